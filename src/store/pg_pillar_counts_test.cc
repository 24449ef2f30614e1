// pillar_counts' trigger (pg_migrations.cc, migration 22) against a writer
// whose snapshot is older than the count row it moves: a replica of the
// previous release, queued on the migration's lock while the backfill made
// the row. Its decrement must conflict and run again, never be lost. A
// write that waits on a lock another session holds, past the lock_timeout an
// operator set: a busy database (503), as on SQLite. And Tx::TouchWorkspace,
// which makes a change of relationships meet a purge's seal.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "store/pg_store.h"
#include "store/testing/postgres_server.h"
#include "store/testing/status_matchers.h"
#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

struct Conn {
  explicit Conn(const std::string& conninfo) : c(PQconnectdb(conninfo.c_str())) {}
  ~Conn() { PQfinish(c); }
  // "" when the statement succeeded, else its SQLSTATE.
  std::string Exec(const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    std::string out;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      out = state ? state : "error";
    }
    PQclear(r);
    return out;
  }
  std::string Value(const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    std::string out =
        PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "?";
    PQclear(r);
    return out;
  }
  PGconn* c;
};

TEST(PgPillarCounts, ADecrementUnderASnapshotOlderThanItsCountRowRunsAgainNotLost) {
  const StatusOr<std::string> conninfo = testing::FreshPostgresSchema();
  if (!conninfo.ok()) GTEST_SKIP() << "no PostgreSQL: " << conninfo.status().message();
  auto store = OpenPostgresStore({.conninfo = *conninfo, .pool_size = 2});
  WS_ASSERT_OK(store);
  WS_ASSERT_OK((*store)->Migrate());
  const std::string ws = testing::Id(41);
  WS_ASSERT_OK((*store)->Write([&](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.InsertAccount({testing::kAcme, "Acme", 1}));
    WS_RETURN_IF_ERROR(tx.InsertWorkspace(testing::MakeWorkspace(ws, testing::kAcme, "a")));
    return tx.AddPillarItem(ws, "secret", "A", 1).status();
  }));
  Conn old_writer(*conninfo), migration(*conninfo);
  ASSERT_EQ(PQstatus(old_writer.c), CONNECTION_OK);
  // Before the migration: no count row.
  ASSERT_EQ(migration.Exec("DELETE FROM pillar_counts"), "");
  // The writer's snapshot is taken (its first read), then the backfill
  // commits the row.
  ASSERT_EQ(old_writer.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ"), "");
  ASSERT_EQ(old_writer.Value("SELECT held FROM pillar_items WHERE item = 'A'"), "1");
  ASSERT_EQ(migration.Exec("INSERT INTO pillar_counts (workspace_id, pillar, items) VALUES ('" +
                           ws + "', 'secret', 1)"),
            "");
  // The writer releases the item, as the previous release's DELETE does.
  std::string failed =
      old_writer.Exec("UPDATE pillar_items SET version = 2, held = 0 WHERE item = 'A'");
  if (failed.empty())
    failed = old_writer.Exec("COMMIT");
  else
    old_writer.Exec("ROLLBACK");
  EXPECT_EQ(failed, "40001");  // a serialization failure: the store runs it again
  // Whatever happened, the count is the items held.
  Conn check(*conninfo);
  EXPECT_EQ(check.Value("SELECT COALESCE(SUM(items), 0) FROM pillar_counts WHERE workspace_id = '" +
                        ws + "'"),
            check.Value("SELECT COUNT(*) FROM pillar_items WHERE held = 1 AND workspace_id = '" +
                        ws + "'"));
}

// lock_timeout (in the connection string's options, docs/postgresql.md) bounds
// a wait on a row another session holds; the store answers it as SQLite's
// busy timeout: Unavailable, retry later (it was a 500 "internal error").
TEST(PgLockTimeout, AWriteWaitingPastItIsUnavailableNotInternal) {
  const StatusOr<std::string> conninfo = testing::FreshPostgresSchema();
  if (!conninfo.ok()) GTEST_SKIP() << "no PostgreSQL: " << conninfo.status().message();
  std::string bounded = *conninfo;
  const std::size_t quote = bounded.rfind("'");
  ASSERT_NE(quote, std::string::npos) << bounded;  // options='-c search_path=…'
  bounded.insert(quote, " -c lock_timeout=200");
  auto store = OpenPostgresStore({.conninfo = bounded, .pool_size = 1});
  WS_ASSERT_OK(store);
  WS_ASSERT_OK((*store)->Migrate());
  WS_ASSERT_OK((*store)->Write([](Tx& tx) { return tx.PutMeta("k", "1"); }));
  Conn other(*conninfo);
  ASSERT_EQ(other.Exec("BEGIN"), "");
  ASSERT_EQ(other.Exec("UPDATE meta SET value = 'held' WHERE key = 'k'"), "");
  WS_EXPECT_CODE((*store)->Write([](Tx& tx) { return tx.PutMeta("k", "2"); }), Code::kUnavailable);
  ASSERT_EQ(other.Exec("ROLLBACK"), "");
  WS_EXPECT_OK((*store)->Write([](Tx& tx) { return tx.PutMeta("k", "3"); }));
  EXPECT_EQ(other.Value("SELECT value FROM meta WHERE key = 'k'"), "3");
}

// A purge's seal runs at REPEATABLE READ (WriteRowLocked): it deletes the
// workspace's relationships and updates its row. A change of the account's
// trusted issuers that inserts relationships for the workspace meanwhile
// conflicts with it only because it touches the row too: the seal then runs
// again and deletes what the change wrote. (Without the touch, PostgreSQL
// saw no conflict and the seal committed over a snapshot without them: they
// outlived the purge; outside audit.)
TEST(PgTouchWorkspace, ASealMeetingARelationshipWrittenMeanwhileRunsAgainAndDeletesIt) {
  const StatusOr<std::string> conninfo = testing::FreshPostgresSchema();
  if (!conninfo.ok()) GTEST_SKIP() << "no PostgreSQL: " << conninfo.status().message();
  auto store = OpenPostgresStore({.conninfo = *conninfo, .pool_size = 4});
  WS_ASSERT_OK(store);
  WS_ASSERT_OK((*store)->Migrate());
  const std::string ws = testing::Id(42);
  WS_ASSERT_OK((*store)->Write([&](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.InsertAccount({testing::kAcme, "Acme", 1}));
    return tx.InsertWorkspace(testing::MakeWorkspace(ws, testing::kAcme, "a"));
  }));
  const model::Relationship granted{"workspace", ws, "admin", "group", "https://idp|acme|eng",
                                    "member"};
  std::atomic<int> seal_runs{0};
  std::atomic<bool> snapshot_taken{false}, change_committed{false};
  std::thread seal([&] {
    WS_EXPECT_OK((*store)->WriteRowLocked([&](Tx& tx) -> Status {
      ++seal_runs;
      WS_ASSIGN_OR_RETURN(model::Workspace w, tx.GetWorkspace(ws));  // the snapshot
      WS_ASSIGN_OR_RETURN(const auto rels, tx.ListRelationshipsForResource("workspace", ws));
      snapshot_taken = true;
      while (seal_runs == 1 && !change_committed) std::this_thread::yield();
      if (!rels.empty()) WS_RETURN_IF_ERROR(tx.DeleteRelationships(rels));
      w.status = model::WorkspaceStatus::kPurged;
      w.version += 1;
      return tx.UpdateWorkspace(w);
    }));
  });
  while (!snapshot_taken) std::this_thread::yield();
  WS_EXPECT_OK((*store)->Write([&](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.TouchWorkspace(ws));
    return tx.TouchRelationships({granted});
  }));
  change_committed = true;
  seal.join();
  EXPECT_EQ(seal_runs.load(), 2) << "the seal ran again";
  WS_EXPECT_OK((*store)->Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const auto rels, tx.ListRelationshipsForResource("workspace", ws));
    EXPECT_TRUE(rels.empty()) << rels.size() << " relationships outlived the seal";
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace workspaced::store
