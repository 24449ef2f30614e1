// Dataplanes in a real PostgreSQL cell: a schema per dedicated workspace,
// rows of `shared` for shared ones, both removed again; regions without a cell
// stay on the embedded dataplane.
#include "dataplane/postgres_dataplane.h"

#include <gtest/gtest.h>

#include "common/random.h"
#include "dataplane/routing_dataplane.h"
#include "dataplane/secret_rows_testing.h"
#include "dataplane/sqlite_dataplane.h"
#include "store/testing/postgres_server.h"
#include "store/testing/temp_dir.h"

namespace workspaced::dataplane {
namespace {

model::Workspace Ws(model::TenancyModel tenancy, const std::string& region = "eu-west-1") {
  static auto random = NewSecureRandom();
  static SystemClock clock;
  model::Workspace ws;
  ws.id = NewUuidV7(*random, clock);
  ws.region = region;
  ws.tenancy_model = tenancy;
  return ws;
}

TEST(PostgresDataplane, AWriteCommittedAfterADeleteNumberedAfterItIsDeleted) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  auto dp = NewPostgresDataplane(*conninfo);
  for (const auto tenancy : {model::TenancyModel::kDedicated, model::TenancyModel::kShared}) {
    const auto ws = Ws(tenancy);
    ASSERT_TRUE(dp->Provision(ws).ok());
    testing::ExpectTheNumberingOrderDecides(*dp, ws);
  }
}

TEST(PostgresDataplane, DedicatedIsASchemaSharedIsARowAndBothGoAway) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  auto dp = NewPostgresDataplane(*conninfo);
  const auto dedicated = Ws(model::TenancyModel::kDedicated);
  EXPECT_FALSE(*dp->Exists(dedicated));
  ASSERT_TRUE(dp->Provision(dedicated).ok());
  ASSERT_TRUE(dp->Provision(dedicated).ok());  // idempotent
  EXPECT_TRUE(*dp->Exists(dedicated));

  const auto a = Ws(model::TenancyModel::kShared), b = Ws(model::TenancyModel::kShared);
  EXPECT_FALSE(*dp->Exists(a));
  ASSERT_TRUE(dp->Provision(a).ok());
  ASSERT_TRUE(dp->Provision(b).ok());
  EXPECT_TRUE(*dp->Exists(a));
  ASSERT_TRUE(dp->Deprovision(a).ok());
  EXPECT_FALSE(*dp->Exists(a));
  EXPECT_TRUE(*dp->Exists(b));

  ASSERT_TRUE(dp->Deprovision(dedicated).ok());
  ASSERT_TRUE(dp->Deprovision(dedicated).ok());  // idempotent
  EXPECT_FALSE(*dp->Exists(dedicated));

  model::Workspace bad = dedicated;
  bad.id = "x; DROP SCHEMA public";
  EXPECT_FALSE(dp->Provision(bad).ok());
}

TEST(PostgresDataplane, RegionsWithACellGoThereTheOthersStayEmbedded) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  store::testing::TempDir dir;
  std::map<std::string, std::unique_ptr<Dataplane>> cells;
  cells["eu-west-1"] = NewPostgresDataplane(*conninfo);
  auto dp = NewRoutingDataplane(NewSqliteDataplane(dir.File("dataplanes")), std::move(cells));
  const auto eu = Ws(model::TenancyModel::kDedicated, "eu-west-1");
  const auto us = Ws(model::TenancyModel::kDedicated, "us-east-1");
  ASSERT_TRUE(dp->Provision(eu).ok());
  ASSERT_TRUE(dp->Provision(us).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.File("dataplanes") + "/eu-west-1/" + eu.id + ".db"));
  EXPECT_TRUE(std::filesystem::exists(dir.File("dataplanes") + "/us-east-1/" + us.id + ".db"));
  EXPECT_TRUE(*NewPostgresDataplane(*conninfo)->Exists(eu));
}

}  // namespace
}  // namespace workspaced::dataplane
