// Anchors (anchors.h): a chain rewritten whole, every hash recomputed so
// that it verifies again, is caught by a head taken before and kept outside
// the database; so is a chain cut back with its head. Heads taken before
// events appended by the running service stay valid.
#include "audit/anchors.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "audit/chain.h"
#include "store/sqlite_store.h"
#include "store/testing/temp_dir.h"

namespace workspaced::audit {
namespace {

constexpr char kW1[] = "01900000-0000-7000-8000-000000000001";

class Anchors : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("audit.db");
    auto store = store::OpenSqliteStore({.path = path_});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate().ok());
    Append(kW1, 5);
    Append("", 1);
  }

  void Append(const std::string& scope, int n) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      for (int i = 0; i < n; ++i) {
                        model::AuditEvent e;
                        e.time = 1000 + (next_++);
                        e.actor = "alice";
                        e.actor_auth = "dev";
                        e.action = "member.put";
                        e.target_type = "workspace_member";
                        e.target_id = "bob";
                        e.workspace_id = scope;
                        e.outcome = "success";
                        e.details = "{}";
                        WS_RETURN_IF_ERROR(tx.AppendAudit(e));
                      }
                      return Status::Ok();
                    })
                    .ok());
  }

  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_free(err);
    sqlite3_close(db);
  }

  std::vector<model::AuditEvent> Chain(const std::string& scope) {
    std::vector<model::AuditEvent> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(
                          out, tx.ScanAuditChain(scope, 0, 1000, store::Tx::kNoByteLimit));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  // What one who can write the database does to hide an edit: event
  // `edited` says another actor, and it and every later event of the chain
  // get their hashes recomputed, the head too. The chain verifies again.
  void RewriteWhole(const std::string& scope, std::int64_t edited) {
    std::string prev;
    for (model::AuditEvent e : Chain(scope)) {
      if (e.seq == edited) {
        e.actor = "mallory";
        Sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = " + std::to_string(e.seq));
      }
      e.prev_hash = prev;
      e.hash = ChainHash(e, prev);
      Sql("UPDATE audit_events SET prev_hash = '" + e.prev_hash + "', hash = '" + e.hash +
          "' WHERE seq = " + std::to_string(e.seq));
      Sql("UPDATE audit_chain_heads SET hash = '" + e.hash +
          "' WHERE seq = " + std::to_string(e.seq));
      prev = e.hash;
    }
  }

  VerifyReport Check(const std::vector<Anchor>& anchors) {
    auto report = VerifyChains(*store_, std::nullopt);
    EXPECT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_TRUE(CheckAnchors(*store_, anchors, std::nullopt, *report).ok());
    return *report;
  }

  store::testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
  int next_ = 0;
};

TEST_F(Anchors, HeadsTakenBeforeLaterEventsStayOnRecord) {
  const auto anchors = TakeAnchors(*store_);
  ASSERT_TRUE(anchors.ok());
  ASSERT_EQ(anchors->size(), 2u);
  Append(kW1, 3);  // the service goes on
  const VerifyReport report = Check(*anchors);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.anchors, 2);
}

TEST_F(Anchors, AChainRewrittenWholeVerifiesButNotAgainstItsAnchor) {
  const auto anchors = TakeAnchors(*store_);
  ASSERT_TRUE(anchors.ok());
  Append(kW1, 2);
  RewriteWhole(kW1, Chain(kW1)[1].seq);
  const VerifyReport report = Check(*anchors);
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("workspace " + std::string(kW1)), std::string::npos)
      << report.problem;
  EXPECT_NE(report.problem.find("its hash is not the anchored one"), std::string::npos)
      << report.problem;
}

TEST_F(Anchors, AChainCutBackWithItsHeadIsCaughtByItsAnchor) {
  const auto anchors = TakeAnchors(*store_);
  ASSERT_TRUE(anchors.ok());
  const auto chain = Chain(kW1);
  // The newest two events go, and the head is moved back to match.
  Sql("DELETE FROM audit_events WHERE seq >= " + std::to_string(chain[3].seq) +
      " AND workspace_id = '" + kW1 + "'");
  Sql("UPDATE audit_chain_heads SET seq = " + std::to_string(chain[2].seq) + ", hash = '" +
      chain[2].hash + "' WHERE scope = '" + kW1 + "'");
  const VerifyReport report = Check(*anchors);
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("is no longer on record"), std::string::npos) << report.problem;
}

TEST_F(Anchors, TheDocumentRoundTripsAndAnythingElseIsRefusedByName) {
  const auto anchors = TakeAnchors(*store_);
  ASSERT_TRUE(anchors.ok());
  Micros taken_at = 0;
  const std::string doc = AnchorsJson(*anchors, 1'700'000'000'123'456);
  const auto back = ParseAnchorsJson(doc, taken_at);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(taken_at, 1'700'000'000'123'456);
  ASSERT_EQ(back->size(), anchors->size());
  for (std::size_t i = 0; i < back->size(); ++i) {
    EXPECT_EQ((*back)[i].scope, (*anchors)[i].scope);
    EXPECT_EQ((*back)[i].seq, (*anchors)[i].seq);
    EXPECT_EQ((*back)[i].hash, (*anchors)[i].hash);
  }
  const std::string h(64, 'a');
  for (
      const auto& [bad, says] : std::vector<std::pair<std::string, std::string>>{
          {"[]", "not a JSON object"},
          {R"({"taken_at":"x","heads":[]})", "taken_at"},
          {R"({"taken_at":"2026-01-01T00:00:00Z","heads":[],"more":1})", "no other"},
          {R"({"taken_at":"2026-01-01T00:00:00Z","heads":[{"workspace_id":"x","seq":1,"hash":")" +
               h + R"("}]})",
           "heads[0].workspace_id"},
          {R"({"taken_at":"2026-01-01T00:00:00Z","heads":[{"workspace_id":"","seq":0,"hash":")" +
               h + R"("}]})",
           "heads[0].seq"},
          {R"({"taken_at":"2026-01-01T00:00:00Z","heads":[{"workspace_id":"","seq":1,"hash":"AB"}]})",
           "heads[0].hash"},
      }) {
    const auto parsed = ParseAnchorsJson(bad, taken_at);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find(says), std::string::npos)
        << bad << ": " << parsed.status().message();
  }
}

}  // namespace
}  // namespace workspaced::audit
