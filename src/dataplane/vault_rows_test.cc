// The data vault's rows (docs/vault.md) in both dataplanes, dedicated and
// shared: pending rows hidden from nobody here (the domain filters), a
// commit, a tombstone that removes its record's committed fields, a
// discard, lookups by token, keyset paging, and a shared workspace's
// deprovision removing its rows only.
#include <gtest/gtest.h>

#include "common/random.h"
#include "dataplane/postgres_dataplane.h"
#include "dataplane/sqlite_dataplane.h"
#include "store/testing/postgres_server.h"
#include "store/testing/temp_dir.h"

namespace workspaced::dataplane {
namespace {

model::Workspace Ws(model::TenancyModel tenancy) {
  static auto random = NewSecureRandom();
  static SystemClock clock;
  model::Workspace ws;
  ws.id = NewUuidV7(*random, clock);
  ws.region = "eu-west-1";
  ws.tenancy_model = tenancy;
  return ws;
}

VaultRow Field(const std::string& record, const std::string& field, const std::string& token,
               const std::string& op) {
  VaultRow r;
  r.record_id = record;
  r.field = field;
  r.type = "text";
  r.token = token;
  r.mask = "********";
  r.sealed = "sealed-" + field;
  r.operation_id = op;
  r.created_at = 1;
  r.created_by = "alice";
  return r;
}

std::vector<std::string> Keys(const std::vector<VaultRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.record_id + "/" + r.field + (r.pending ? "*" : ""));
  return out;
}

void ExerciseVaultRows(Dataplane& dp, model::TenancyModel tenancy) {
  const auto ws = Ws(tenancy), other = Ws(tenancy);
  ASSERT_TRUE(dp.Provision(ws).ok());
  ASSERT_TRUE(dp.Provision(other).ok());
  ASSERT_TRUE(dp.AddPendingVaultRows(ws, {Field("r1", "a", "vtr_1", "op1"),
                                          Field("r1", "b", "vtd_same", "op1")})
                  .ok());
  ASSERT_TRUE(dp.AddPendingVaultRows(ws, {Field("r2", "a", "vtd_same", "op2")}).ok());
  ASSERT_TRUE(dp.AddPendingVaultRows(other, {Field("r9", "a", "vtr_1", "op9")}).ok());
  EXPECT_EQ(Keys(*dp.ListVaultRows(ws, {})), (std::vector<std::string>{"r1/a*", "r1/b*", "r2/a*"}));
  ASSERT_TRUE(dp.CommitVaultOperation(ws, "op1").ok());
  ASSERT_TRUE(dp.DiscardVaultOperation(ws, "op2").ok());
  ASSERT_TRUE(dp.CommitVaultOperation(ws, "absent").ok());
  EXPECT_EQ(Keys(*dp.ListVaultRows(ws, {})), (std::vector<std::string>{"r1/a", "r1/b"}));

  // By token, with values only when asked; another workspace's rows never.
  auto by_token = dp.ListVaultRows(ws, {.tokens = {"vtr_1", "vtd_same", "vtr_none"}});
  ASSERT_TRUE(by_token.ok()) << by_token.status().message();
  EXPECT_EQ(Keys(*by_token), (std::vector<std::string>{"r1/a", "r1/b"}));
  EXPECT_EQ((*by_token)[0].sealed, "");
  by_token = dp.ListVaultRows(ws, {.tokens = {"vtr_1"}, .with_values = true});
  ASSERT_EQ(by_token->size(), 1u);
  EXPECT_EQ((*by_token)[0].sealed, "sealed-a");

  // Paging: after a record (field "~" sorts after every field name).
  ASSERT_TRUE(dp.AddPendingVaultRows(ws, {Field("r3", "a", "vtr_3", "op3")}).ok());
  ASSERT_TRUE(dp.CommitVaultOperation(ws, "op3").ok());
  EXPECT_EQ(Keys(*dp.ListVaultRows(ws, {.after_record_id = "r1", .after_field = "~"})),
            (std::vector<std::string>{"r3/a"}));
  EXPECT_EQ(Keys(*dp.ListVaultRows(ws, {.limit = 1})), (std::vector<std::string>{"r1/a"}));

  // A tombstone removes its record's committed fields, then itself.
  VaultRow tomb = Field("r1", "", "", "op4");
  tomb.tombstone = true;
  ASSERT_TRUE(dp.AddPendingVaultRows(ws, {tomb}).ok());
  EXPECT_EQ(Keys(*dp.ListVaultRows(ws, {.record_id = "r1"})),
            (std::vector<std::string>{"r1/*", "r1/a", "r1/b"}));
  ASSERT_TRUE(dp.CommitVaultOperation(ws, "op4").ok());
  EXPECT_EQ(Keys(*dp.ListVaultRows(ws, {})), (std::vector<std::string>{"r3/a"}));
  EXPECT_EQ(Keys(*dp.ListVaultRows(other, {})), (std::vector<std::string>{"r9/a*"}));

  ASSERT_TRUE(dp.Deprovision(ws).ok());
  EXPECT_EQ(Keys(*dp.ListVaultRows(other, {})), (std::vector<std::string>{"r9/a*"}));
  EXPECT_EQ(dp.ListVaultRows(ws, {}).status().code(), Code::kConflict);  // not provisioned
}

// A deterministic token many records share: its rows in record order up
// to the first committed one, the pending ones before it included however
// many they are (more than a first read takes per token here).
void ExerciseSharedToken(Dataplane& dp, model::TenancyModel tenancy) {
  const auto ws = Ws(tenancy);
  ASSERT_TRUE(dp.Provision(ws).ok());
  const auto id = [](char prefix, int i) {
    return std::string(1, prefix) + (i < 10 ? "0" : "") + std::to_string(i);
  };
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(dp.AddPendingVaultRows(ws, {Field(id('a', i), "email", "vtd_shared", id('p', i))}).ok());
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(dp.AddPendingVaultRows(ws, {Field(id('b', i), "email", "vtd_shared", id('c', i))}).ok());
    ASSERT_TRUE(dp.CommitVaultOperation(ws, id('c', i)).ok());
  }
  ASSERT_TRUE(dp.AddPendingVaultRows(ws, {Field("z", "card", "vtr_alone", "opz")}).ok());
  ASSERT_TRUE(dp.CommitVaultOperation(ws, "opz").ok());
  auto rows = dp.ListVaultRows(ws, {.tokens = {"vtd_shared", "vtr_alone"}});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(id('a', i) + "/email*");
  expected.push_back("b00/email");
  expected.push_back("z/card");
  EXPECT_EQ(Keys(*rows), expected);
  // One in flight committed: the token's rows end there.
  ASSERT_TRUE(dp.CommitVaultOperation(ws, id('p', 3)).ok());
  rows = dp.ListVaultRows(ws, {.tokens = {"vtd_shared"}});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(Keys(*rows),
            (std::vector<std::string>{"a00/email*", "a01/email*", "a02/email*", "a03/email"}));
  ASSERT_TRUE(dp.Deprovision(ws).ok());
}

TEST(VaultRows, SqliteDedicatedAndShared) {
  store::testing::TempDir dir;
  auto dp = NewSqliteDataplane(dir.File("dataplanes"));
  ExerciseVaultRows(*dp, model::TenancyModel::kDedicated);
  ExerciseVaultRows(*dp, model::TenancyModel::kShared);
  ExerciseSharedToken(*dp, model::TenancyModel::kDedicated);
  ExerciseSharedToken(*dp, model::TenancyModel::kShared);
}

TEST(VaultRows, PostgresDedicatedAndShared) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  auto dp = NewPostgresDataplane(*conninfo);
  ExerciseVaultRows(*dp, model::TenancyModel::kDedicated);
  ExerciseVaultRows(*dp, model::TenancyModel::kShared);
  ExerciseSharedToken(*dp, model::TenancyModel::kDedicated);
  ExerciseSharedToken(*dp, model::TenancyModel::kShared);
}

}  // namespace
}  // namespace workspaced::dataplane
