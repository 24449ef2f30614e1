// Tampering with the SQLite file — an edited field, a removed event, two
// events swapped, the newest event dropped, a head removed or altered, a chain
// removed or cut back with its head — is caught and the event or workspace
// named. (The same on PostgreSQL, through the CLI: management_test.cc.)
#include "audit/verify.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "audit/anchors.h"
#include "audit/chain.h"
#include "store/sqlite_store.h"
#include "store/testing/temp_dir.h"

namespace workspaced::audit {
namespace {

constexpr char kW1[] = "01900000-0000-7000-8000-000000000001";
constexpr char kW2[] = "01900000-0000-7000-8000-000000000002";
constexpr char kAccount[] = "01900000-0000-7000-8000-000000000900";

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("audit.db");
    auto store = store::OpenSqliteStore({.path = path_});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate().ok());
    // Events 1..8 alternate between the two workspaces; 9 has none.
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      for (int i = 1; i <= 8; ++i) {
                        model::AuditEvent e;
                        e.time = 1000 + i;
                        e.actor = "alice";
                        e.actor_auth = "dev";
                        e.action = "member.put";
                        e.target_type = "workspace_member";
                        e.target_id = "bob" + std::to_string(i);
                        e.workspace_id = i % 2 ? kW1 : kW2;
                        e.outcome = "success";
                        e.details = R"({"role":"viewer"})";
                        WS_RETURN_IF_ERROR(tx.AppendAudit(e));
                      }
                      model::AuditEvent platform;
                      platform.time = 2000;
                      platform.actor = "admin";
                      platform.action = "account.create";
                      platform.details = "{}";
                      return tx.AppendAudit(platform);
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

  // A workspace row for a chain, last changed at `updated_at`.
  void AddWorkspace(const std::string& id, Micros updated_at) {
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      if (!tx.GetAccount(kAccount).ok()) {
                        // Created before its creation was audited, as
                        // migration 20 records such accounts.
                        WS_RETURN_IF_ERROR(tx.InsertAccount({kAccount, "Acme", 1}));
                        WS_RETURN_IF_ERROR(tx.PutMeta("accounts_created_unaudited", kAccount));
                      }
                      model::Workspace ws;
                      ws.id = id;
                      ws.account_id = kAccount;
                      ws.name = ws.slug = "ws-" + id.substr(34);
                      ws.region = "eu-west-1";
                      ws.created_at = 1001;
                      ws.updated_at = updated_at;
                      ws.version = 1;
                      return tx.InsertWorkspace(ws);
                    })
                    .ok());
  }

  VerifyReport Run(std::optional<std::string> ws = std::nullopt) {
    auto r = VerifyChains(*store_, ws);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : VerifyReport{};
  }

  store::testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(Verify, AnUntouchedLogVerifies) {
  const VerifyReport r = Run();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events, 9);
  EXPECT_EQ(r.chains, 3);
  EXPECT_TRUE(Run(kW1).ok);
  EXPECT_EQ(Run(kW1).events, 4);
}

// A mistyped id looked like tampering ("has no audit events on record").
// An id that names no workspace is not a chain found broken; a workspace row
// whose events are all gone is (AChainRemovedWithItsHeadIsNamedByItsWorkspace).
TEST_F(Verify, AnIdNoWorkspaceHasIsNotFoundNotABrokenChain) {
  const char kUnknown[] = "01900000-0000-7000-8000-0000000000ff";
  const auto r = VerifyChains(*store_, std::string(kUnknown));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), std::string("no workspace ") + kUnknown);
}

// A running server appends between the listing of the chains and the
// reading of their events (a refusal is chained up to 100 ms after its
// answer): those events are past the listed head, and are read on to the
// head as it is then — checked, never reported as tampering.
TEST_F(Verify, EventsAppendedWhileItRunsAreReadOnToTheNewHead) {
  int appended = 0;
  const auto append = [&] {
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      for (int i = 0; i < 3; ++i) {
                        model::AuditEvent e;
                        e.time = 3000 + i;
                        e.actor = "alice";
                        e.action = "authz.denied";
                        e.workspace_id = kW1;
                        e.details = "{}";
                        WS_RETURN_IF_ERROR(tx.AppendAudit(e));
                      }
                      return Status::Ok();
                    })
                    .ok());
    ++appended;
  };
  auto r = VerifyChains(*store_, std::nullopt, append);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(appended, 1);
  EXPECT_TRUE(r->ok) << r->problem;
  EXPECT_EQ(r->events, 12);  // the three appended are judged too
  const VerifyReport next = Run();
  EXPECT_TRUE(next.ok) << next.problem;
  EXPECT_EQ(next.events, 12);
  // Tampering inside the listed part is still caught with a live append.
  Sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3");
  r = VerifyChains(*store_, std::nullopt, append);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->problem.find("event 3"), std::string::npos) << r->problem;
}

// A row added after a chain's head — unlinked, or linked and hashed as
// the store would (the head not moved) — is caught, however the chain ends:
// a verify that stopped at the head passed both, and served the forged
// event as the newest.
TEST_F(Verify, AnEventInsertedAfterTheHeadIsCaught) {
  Sql(std::string("INSERT INTO audit_events (time, actor, actor_auth, action, target_type, "
                  "target_id, workspace_id, outcome, request_id, source_ip, user_agent, details, "
                  "prev_hash, hash) VALUES (5000, 'mallory', 'jwt', 'secret.reveal', 'secret', "
                  "'DB', '") +
      kW1 + "', 'success', 'req_x', '', '', '{}', 'junk', 'junk')");
  VerifyReport r = Run(kW1);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("link to the previous event is broken"), std::string::npos) << r.problem;

  Sql("DELETE FROM audit_events WHERE actor = 'mallory'");
  ASSERT_TRUE(Run().ok);
  // Appended as the store appends (linked, hashed), then the head put back.
  Sql(std::string("CREATE TABLE saved AS SELECT * FROM audit_chain_heads WHERE scope = '") + kW1 +
      "'");
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    model::AuditEvent e;
                    e.time = 5000;
                    e.actor = "mallory";
                    e.action = "secret.reveal";
                    e.workspace_id = kW1;
                    e.details = "{}";
                    return tx.AppendAudit(e);
                  })
                  .ok());
  Sql(std::string("UPDATE audit_chain_heads SET seq = (SELECT seq FROM saved), hash = (SELECT "
                  "hash FROM saved) WHERE scope = '") +
      kW1 + "'");
  r = Run(kW1);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("events after 7, the chain's head, are on record (up to event 11)"),
            std::string::npos)
      << r.problem;
  EXPECT_FALSE(Run().ok);
  EXPECT_TRUE(Run(kW2).ok);
}

// The head moved back over events that are then edited or removed: every
// event on record is still checked, so the edit is named.
TEST_F(Verify, AHeadMovedBackOverEditedEventsIsCaught) {
  Sql(std::string("UPDATE audit_chain_heads SET seq = 3, hash = (SELECT hash FROM audit_events "
                  "WHERE seq = 3) WHERE scope = '") +
      kW1 + "'");
  Sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = 7");
  VerifyReport r = Run(kW1);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("event 7 "), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("altered"), std::string::npos) << r.problem;
  // Only moved back: the events past it are named.
  Sql("UPDATE audit_events SET actor = 'alice' WHERE seq = 7");
  r = Run(kW1);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("events after 3, the chain's head"), std::string::npos) << r.problem;
}

TEST_F(Verify, AnEditedFieldIsNamed) {
  Sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = 5");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("event 5 "), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("altered"), std::string::npos) << r.problem;
  // The other workspace's chain is unaffected.
  EXPECT_TRUE(Run(kW2).ok);
}

TEST_F(Verify, ARemovedEventIsCaughtAtTheNextOne) {
  Sql("DELETE FROM audit_events WHERE seq = 3");
  const VerifyReport r = Run(kW1);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("event 5 "), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("after event 1"), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("removed"), std::string::npos) << r.problem;
}

TEST_F(Verify, SwappedEventsAreCaught) {
  // Swap the whole rows of events 3 and 5 (same workspace), hashes included.
  Sql("UPDATE audit_events SET seq = -3 WHERE seq = 3;"
      "UPDATE audit_events SET seq = 3 WHERE seq = 5;"
      "UPDATE audit_events SET seq = 5 WHERE seq = -3;");
  const VerifyReport r = Run(kW1);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("event 3 "), std::string::npos) << r.problem;
}

TEST_F(Verify, DroppingTheNewestEventIsCaughtByTheHead) {
  Sql("DELETE FROM audit_events WHERE seq = 8");
  const VerifyReport r = Run(kW2);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("newest event on record is 8"), std::string::npos) << r.problem;
}

TEST_F(Verify, ARemovedHeadRowIsNamed) {
  Sql(std::string("DELETE FROM audit_chain_heads WHERE scope = '") + kW1 + "'");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find(std::string("workspace ") + kW1), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("ends at event 7 but has no head row"), std::string::npos) << r.problem;
}

TEST_F(Verify, AHeadThatDisagreesWithTheLastEventIsNamed) {
  Sql(std::string("UPDATE audit_chain_heads SET hash = 'abc' WHERE scope = '") + kW2 + "'");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find(std::string("workspace ") + kW2), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("hash disagrees with event 8"), std::string::npos) << r.problem;
}

TEST_F(Verify, AChainWhoseEventsWereAllRemovedIsNamedByItsHead) {
  Sql(std::string("DELETE FROM audit_events WHERE workspace_id = '") + kW2 + "'");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find(std::string("workspace ") + kW2), std::string::npos) << r.problem;
  EXPECT_NE(r.problem.find("newest event on record is 8 but the chain ends at no event"),
            std::string::npos)
      << r.problem;
}

TEST_F(Verify, AChainRemovedWithItsHeadIsNamedByItsWorkspace) {
  AddWorkspace(kW2, 1008);
  ASSERT_TRUE(Run().ok) << Run().problem;
  Sql(std::string("DELETE FROM audit_events WHERE workspace_id = '") + kW2 + "';" +
      "DELETE FROM audit_chain_heads WHERE scope = '" + kW2 + "'");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find(std::string("workspace ") + kW2 + " exists but has no audit events"),
            std::string::npos)
      << r.problem;
  EXPECT_FALSE(Run(kW2).ok);
}

// Every account is created with an event of the chain without a
// workspace: removing that chain whole, head and all, is seen through the
// accounts (it verified as "0 events in 0 chains").
TEST_F(Verify, AnAccountWhoseCreationEventWasRemovedIsNamed) {
  constexpr char kOther[] = "01900000-0000-7000-8000-000000000901";
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    WS_RETURN_IF_ERROR(tx.InsertAccount({kOther, "Globex", 3000}));
                    model::AuditEvent e;
                    e.time = 3000;
                    e.actor = "admin";
                    e.actor_auth = "cli";
                    e.action = "account.create";
                    e.target_type = "account";
                    e.target_id = kOther;
                    e.outcome = "success";
                    e.details = "{}";
                    return tx.AppendAudit(e);
                  })
                  .ok());
  ASSERT_TRUE(Run().ok) << Run().problem;
  Sql("DELETE FROM audit_events WHERE workspace_id = '';"
      "DELETE FROM audit_chain_heads WHERE scope = ''");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find(std::string("account ") + kOther + " has no account.create event"),
            std::string::npos)
      << r.problem;
  // Recorded by migration 20 as created before that was audited: no alarm.
  Sql(std::string("UPDATE meta SET value = '") + kOther +
      "' WHERE key = 'accounts_created_unaudited'");
  EXPECT_TRUE(Run().ok) << Run().problem;
}

TEST_F(Verify, ATruncatedChainWithItsHeadRemovedIsNamed) {
  Sql(std::string("DELETE FROM audit_events WHERE seq = 7;"
                  "DELETE FROM audit_chain_heads WHERE scope = '") +
      kW1 + "'");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find(std::string("workspace ") + kW1 + ": the chain ends at event 5"),
            std::string::npos)
      << r.problem;
}

TEST_F(Verify, ATruncatedChainWithItsHeadMovedBackIsCaughtByItsWorkspaceRow) {
  AddWorkspace(kW1, 1007);  // changed with event 7
  ASSERT_TRUE(Run().ok) << Run().problem;
  Sql("DELETE FROM audit_events WHERE seq = 7;"
      "UPDATE audit_chain_heads SET seq = 5, hash = (SELECT hash FROM audit_events WHERE seq = 5) "
      "WHERE seq = 7");
  const VerifyReport r = Run();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find(std::string("workspace ") + kW1 + ": the workspace last changed at"),
            std::string::npos)
      << r.problem;
  EXPECT_NE(r.problem.find("newest event (event 5)"), std::string::npos) << r.problem;
}

// Anchors (anchors.h): a chain rewritten whole, every hash recomputed so
// that it verifies again, is caught by a head taken before and kept outside
// the database; so is a chain cut back with its head. Heads taken before
// events appended by the running service stay valid.
class Anchors : public Verify {
 protected:
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

  int next_ = 0;
};

TEST_F(Anchors, HeadsTakenBeforeLaterEventsStayOnRecord) {
  const auto anchors = TakeAnchors(*store_);
  ASSERT_TRUE(anchors.ok());
  ASSERT_EQ(anchors->size(), 3u);  // W1, W2, and the chain without a workspace
  Append(kW1, 3);                  // the service goes on
  const VerifyReport report = Check(*anchors);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.anchors, 3);
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
