// Dataplanes in a real PostgreSQL cell: a schema per dedicated workspace,
// rows of `shared` for shared ones, both removed again; regions without a cell
// stay on the embedded dataplane.
#include "dataplane/postgres_dataplane.h"

#include <gtest/gtest.h>

#include "common/random.h"
#include "dataplane/routing_dataplane.h"
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

// A PUT numbered 1 and a DELETE numbered 2 (its tombstone) of one name,
// committed in the other order: the delete, numbered after, stands — the
// version is deleted when it commits, as the control plane counts it
// (Tx::AddPillarItem). A version numbered after the tombstone survives.
void ExpectTheNumberingOrderDecides(Dataplane& dp, const model::Workspace& ws) {
  const auto add = [&](const std::string& op, bool tombstone) {
    SecretRow row;
    row.name = "RACED";
    row.operation_id = op;
    row.tombstone = tombstone;
    auto n = dp.AddPendingSecret(ws, row, [](std::int64_t) { return std::string("x"); });
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? n->version : -1;
  };
  const auto committed_versions = [&] {
    std::vector<std::int64_t> out;
    auto rows = dp.ListSecretRows(ws, {.name = "RACED"});
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    if (!rows.ok()) return out;
    for (const SecretRow& r : *rows)
      if (!r.pending && !r.tombstone) out.push_back(r.version);
    return out;
  };
  ASSERT_EQ(add("op-put-1", false), 1);
  ASSERT_EQ(add("op-del-2", true), 2);
  ASSERT_EQ(add("op-put-3", false), 3);
  ASSERT_TRUE(dp.CommitSecretOperation(ws, "op-del-2", 10).ok());
  ASSERT_TRUE(dp.CommitSecretOperation(ws, "op-put-3", 10).ok());
  ASSERT_TRUE(dp.CommitSecretOperation(ws, "op-put-1", 10).ok());
  EXPECT_EQ(committed_versions(), std::vector<std::int64_t>{3});
}

TEST(PostgresDataplane, AWriteCommittedAfterADeleteNumberedAfterItIsDeleted) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  auto dp = NewPostgresDataplane(*conninfo);
  for (const auto tenancy : {model::TenancyModel::kDedicated, model::TenancyModel::kShared}) {
    const auto ws = Ws(tenancy);
    ASSERT_TRUE(dp->Provision(ws).ok());
    ExpectTheNumberingOrderDecides(*dp, ws);
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
