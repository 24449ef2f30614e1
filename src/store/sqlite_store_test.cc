// What only the SQLite backend has: a file, WAL mode, file locks, its own
// migration list, and real concurrency across its connections.
#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_busy.h"
#include "store/sqlite_integrity.h"
#include "store/sqlite_migrations.h"
#include "store/testing/status_matchers.h"
#include "store/testing/store_suite.h"
#include "store/testing/temp_dir.h"

namespace workspaced::store {
namespace {

using testing::Id;
using testing::TempDir;

// A second, independent handle on the file: stands in for another process.
struct RawDb {
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db); }
  int Exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }
  std::string Text(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  sqlite3* db = nullptr;
};

std::unique_ptr<Store> Open(const std::string& path, int busy_timeout_ms = 5000) {
  auto store = OpenSqliteStore({.path = path, .busy_timeout_ms = busy_timeout_ms});
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(SqliteStore, OpenCreatesTheFileInWalMode) {
  TempDir dir;
  const std::string path = dir.File("new.db");
  ASSERT_FALSE(std::filesystem::exists(path));
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path));
  RawDb raw(path);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStore, RejectsBadOptions) {
  TempDir dir;
  WS_EXPECT_CODE(OpenSqliteStore({.path = ""}), Code::kInvalidArgument);
  WS_EXPECT_CODE(OpenSqliteStore({.path = ":memory:"}), Code::kInvalidArgument);
  WS_EXPECT_CODE(OpenSqliteStore({.path = dir.File("x.db"), .readers = 0}), Code::kInvalidArgument);
  WS_EXPECT_CODE(OpenSqliteStore({.path = dir.File("no/such/dir/x.db")}), Code::kInternal);
}

TEST(SqliteStore, MigrateReachesTheLatestMigration) {
  TempDir dir;
  auto store = Open(dir.File("db"));
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  const StatusOr<int> version = store->SchemaVersion();
  WS_ASSERT_OK(version);
  EXPECT_EQ(*version, SqliteMigrations().back().version);
}

TEST(SqliteStore, MigrationsAreStrictlyIncreasingFromOne) {
  // Gaps are allowed: a number may be taken by work not merged yet (each
  // migration is applied by presence, so it runs once it is merged).
  int previous = 0;
  for (const Migration& m : SqliteMigrations()) {
    EXPECT_GT(m.version, previous) << m.name;
    previous = m.version;
  }
  EXPECT_EQ(SqliteMigrations().front().version, 1);
}

TEST(SqliteStore, DataPersistsAcrossReopen) {
  TempDir dir;
  const std::string path = dir.File("db");
  {
    auto store = Open(path);
    ASSERT_NE(store, nullptr);
    WS_ASSERT_OK(store->Migrate());
    WS_ASSERT_OK(store->Write([](Tx& tx) {
      WS_RETURN_IF_ERROR(tx.InsertAccount({Id(1), "Acme", 1}));
      return tx.PutMeta("default_account", Id(1));
    }));
  }
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());  // nothing pending
  const Status s = store->Read([](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(auto account, tx.GetAccount(Id(1)));
    EXPECT_EQ(account.name, "Acme");
    WS_ASSIGN_OR_RETURN(auto meta, tx.GetMeta("default_account"));
    EXPECT_EQ(meta.value_or(""), Id(1));
    return Status::Ok();
  });
  WS_EXPECT_OK(s);
}

TEST(SqliteStore, RefusesADatabaseNewerThanItKnows) {
  TempDir dir;
  const std::string path = dir.File("db");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)"),
              SQLITE_OK);
  }
  const Status s = store->Migrate();
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_NE(s.message().find("newer than this binary"), std::string::npos) << s.message();
}

TEST(SqliteStore, AMigrationNumberedBelowOneAppliedStillRuns) {
  // A database migrated by a build that had 10 but not 8 (work merged side
  // by side): 8 runs when a build that has it starts.
  TempDir dir;
  const std::string path = dir.File("db");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("DELETE FROM schema_migrations WHERE version = 8; DROP TABLE "
                       "audit_denials; ALTER TABLE provisioning_runs DROP COLUMN error_code; "
                       "ALTER TABLE provisioning_steps DROP COLUMN last_error_code"),
              SQLITE_OK);
  }
  WS_ASSERT_OK(store->Migrate());
  {
    RawDb raw(path);
    EXPECT_EQ(raw.Exec("SELECT count, error_code FROM audit_denials, provisioning_runs"),
              SQLITE_OK);
  }
  const StatusOr<int> version = store->SchemaVersion();
  WS_ASSERT_OK(version);
  EXPECT_EQ(*version, SqliteMigrations().back().version);
}

// Migration 22 counts the items a database already holds (only those held)
// into pillar_counts, per workspace and pillar.
TEST(SqliteStore, KeptPillarCountsStartFromTheItemsAlreadyHeld) {
  TempDir dir;
  const std::string path = dir.File("db");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  const std::string a = Id(31), b = Id(32);
  WS_ASSERT_OK(store->Write([&](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.InsertAccount({testing::kAcme, "Acme", 1}));
    WS_RETURN_IF_ERROR(tx.InsertWorkspace(testing::MakeWorkspace(a, testing::kAcme, "a")));
    return tx.InsertWorkspace(testing::MakeWorkspace(b, testing::kAcme, "b"));
  }));
  {
    RawDb raw(path);  // as a database before migration 22 held them
    const std::string sql =
        "DELETE FROM schema_migrations WHERE version = 22; DROP TABLE pillar_counts; "
        "DROP TRIGGER pillar_items_counted_insert; DROP TRIGGER pillar_items_counted_update; "
        "DROP TRIGGER pillar_items_counted_delete; "
        "INSERT INTO pillar_items (workspace_id, pillar, item, version, held) VALUES "
        "('" +
        a + "', 'secret', 'A', 1, 1), ('" + a +
        "', 'secret', 'B', 2, 1), "
        "('" +
        a + "', 'secret', 'C', 3, 0), ('" + a +
        "', 'vault', 'r', 0, 1), "
        "('" +
        b + "', 'secret', 'A', 1, 0)";
    ASSERT_EQ(raw.Exec(sql.c_str()), SQLITE_OK) << sqlite3_errmsg(raw.db);
  }
  WS_ASSERT_OK(store->Migrate());
  const auto count = [&](const std::string& ws, const char* pillar) {
    std::int64_t n = -1;
    WS_EXPECT_OK(store->Read([&](Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(n, tx.CountPillarItems(ws, pillar));
      return Status::Ok();
    }));
    return n;
  };
  EXPECT_EQ(count(a, "secret"), 2);
  EXPECT_EQ(count(a, "vault"), 1);
  EXPECT_EQ(count(b, "secret"), 0);
}

TEST(SqliteStore, WriteIsUnavailableWhileAnotherProcessHoldsTheWriteLock) {
  TempDir dir;
  const std::string path = dir.File("db");
  auto store = Open(path, /*busy_timeout_ms=*/50);
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  RawDb other(path);
  ASSERT_EQ(other.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  int calls = 0;
  WS_EXPECT_CODE(store->Write([&](Tx& tx) {
    ++calls;
    return tx.PutMeta("k", "v");
  }),
                 Code::kUnavailable);
  EXPECT_EQ(calls, 0);  // refused before the callback ran
  // Reads go on while the lock is held (WAL).
  WS_EXPECT_OK(store->Read([](Tx& tx) { return tx.GetMeta("k").status(); }));
  ASSERT_EQ(other.Exec("COMMIT"), SQLITE_OK);
  WS_EXPECT_OK(store->Write([](Tx& tx) { return tx.PutMeta("k", "v"); }));
}

// A stopping server ends every wait on a lock held elsewhere at the end of its
// grace (store::EndBusyWaitsAt): a writer with an hour of busy timeout fails
// once that instant has passed, instead of holding the exit back for its timeout,
// and one that started waiting before is woken by it. Until then, a wait still
// ends as soon as the lock is released.
TEST(SqliteStore, AWaitForALockHeldElsewhereEndsWhenBusyWaitsEnd) {
  TempDir dir;
  const std::string path = dir.File("db");
  auto store = Open(path, /*busy_timeout_ms=*/3'600'000);
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  struct Restore {
    ~Restore() { EndBusyWaitsAt(std::chrono::steady_clock::time_point::max()); }
  } restore;
  RawDb other(path);

  // Waits end when the lock goes, as before.
  ASSERT_EQ(other.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(other.Exec("COMMIT"), SQLITE_OK);
  });
  WS_EXPECT_OK(store->Write([](Tx& tx) { return tx.PutMeta("k", "1"); }));
  release.join();

  // A writer already waiting when the end is set gives up at that end.
  ASSERT_EQ(other.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  std::atomic<bool> done{false};
  Status waited;
  std::thread writer([&] {
    waited = store->Write([](Tx& tx) { return tx.PutMeta("k", "2"); });
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(done.load());  // still waiting on the lock
  EndBusyWaitsAt(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  writer.join();  // without the end: an hour
  WS_EXPECT_CODE(waited, Code::kUnavailable);

  // And one that starts after it fails at once.
  WS_EXPECT_CODE(store->Write([](Tx& tx) { return tx.PutMeta("k", "3"); }), Code::kUnavailable);
  ASSERT_EQ(other.Exec("COMMIT"), SQLITE_OK);
  EndBusyWaitsAt(std::chrono::steady_clock::time_point::max());
  WS_EXPECT_OK(store->Write([](Tx& tx) { return tx.PutMeta("k", "4"); }));
  EXPECT_EQ(other.Text("SELECT value FROM meta WHERE key = 'k'"), "4");
}

// Past the end of the waits (a stopping server's grace), a connection that
// only meets other processes gives up at once; a dataplane's, which also
// meets this process's own writers, goes on until it has waited 100 ms in
// all (outside audit: under a short grace, requests of one workspace failed
// on each other with "dataplane failed"). Before the end, SQLite's schedule.
TEST(SqliteBusy, AWaitOnThisProcessesWritersOutlastsTheEndByAFewSleeps) {
  using std::chrono::milliseconds;
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  const auto never = std::chrono::steady_clock::time_point::max();
  for (const LockHolders h : {LockHolders::kOtherProcesses, LockHolders::kThisProcessToo}) {
    EXPECT_EQ(BusySleep(0, 5000, h, t0, never), milliseconds(1));
    EXPECT_EQ(BusySleep(11, 5000, h, t0, never), milliseconds(100));
    EXPECT_EQ(BusySleep(60, 5000, h, t0, never), std::nullopt);  // its timeout, waited out
    EXPECT_EQ(BusySleep(11, 5000, h, t0, t0 + milliseconds(30)), milliseconds(30));  // to the end
  }
  EXPECT_EQ(BusySleep(0, 5000, LockHolders::kOtherProcesses, t0, t0), std::nullopt);
  int waited = 0;
  for (int count = 0;; ++count) {
    const auto sleep = BusySleep(count, 5000, LockHolders::kThisProcessToo, t0, t0);
    if (!sleep) break;
    waited += static_cast<int>(sleep->count());
  }
  EXPECT_GT(waited, 50);
  EXPECT_LE(waited, 100);
}

TEST(SqliteStore, ConcurrentReadsAndWritesAllSucceed) {
  TempDir dir;
  auto store = Open(dir.File("db"));
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  WS_ASSERT_OK(store->Write([](Tx& tx) { return tx.InsertAccount({Id(1), "Acme", 1}); }));
  constexpr int kThreads = 4;
  constexpr int kOps = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string subject = "user-" + std::to_string(t) + "-" + std::to_string(i);
        Status s =
            i % 2 == 0 ? store->Write([&](Tx& tx) {
              return tx.PutAccountMember({Id(1), subject, model::AccountRole::kMember, i});
            })
                       : store->Read([&](Tx& tx) { return tx.ListAccountMembers(Id(1)).status(); });
        if (!s.ok()) {
          ADD_FAILURE() << s.message();
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const Status s = store->Read([](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(auto members, tx.ListAccountMembers(Id(1)));
    EXPECT_EQ(members.size(), static_cast<std::size_t>(kThreads * kOps / 2));
    return Status::Ok();
  });
  WS_EXPECT_OK(s);
}

// A database with a few hundred rows in several tables and their indexes,
// closed (so its WAL is checkpointed into the file).
std::string FilledDatabase(TempDir& dir) {
  const std::string path = dir.File("filled.db");
  auto store = Open(path);
  EXPECT_NE(store, nullptr);
  WS_EXPECT_OK(store->Migrate());
  WS_EXPECT_OK(store->Write([](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.InsertAccount({Id(1), "Acme", 1}));
    for (int i = 0; i < 400; ++i) {
      WS_RETURN_IF_ERROR(tx.PutAccountMember(
          {Id(1), "member-" + std::to_string(i), model::AccountRole::kMember, i}));
    }
    return Status::Ok();
  }));
  return path;
}

TEST(SqliteIntegrity, AHealthyFileIsOkAndNothingIsCreatedBesideIt) {
  TempDir dir;
  const std::string path = FilledDatabase(dir);
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));
  const auto report = CheckSqliteFile(path, 10'000'000);
  WS_ASSERT_OK(report);
  EXPECT_EQ(report->outcome, IntegrityReport::Outcome::kOk) << report->problem;
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
  // Nothing to check yet: no file.
  const auto none = CheckSqliteFile(dir.File("absent.db"), 1000);
  WS_ASSERT_OK(none);
  EXPECT_EQ(none->outcome, IntegrityReport::Outcome::kOk);
}

TEST(SqliteIntegrity, BytesOverwrittenInTheMiddleOfAPageAreDamage) {
  TempDir dir;
  const std::string path = FilledDatabase(dir);
  // Overwrite bytes in the middle of pages until SQLite's own check sees it.
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  bool damaged = false;
  for (long page = 2; !damaged && (page + 1) * 4096 <= size; ++page) {
    std::fseek(f, page * 4096 + 2048, SEEK_SET);
    const std::string garbage(32, '\xa5');
    std::fwrite(garbage.data(), 1, garbage.size(), f);
    std::fflush(f);
    const auto report = CheckSqliteFile(path, 10'000'000);
    WS_ASSERT_OK(report);
    damaged = report->outcome == IntegrityReport::Outcome::kDamaged;
    if (damaged) {
      EXPECT_FALSE(report->problem.empty());
    }
  }
  std::fclose(f);
  EXPECT_TRUE(damaged);
}

TEST(SqliteIntegrity, ACheckOutOfBudgetIsIncompleteNotDamage) {
  TempDir dir;
  const std::string path = FilledDatabase(dir);
  const auto report = CheckSqliteFile(path, 1);  // one microsecond
  WS_ASSERT_OK(report);
  EXPECT_EQ(report->outcome, IntegrityReport::Outcome::kIncomplete);
}

TEST(SqliteIntegrity, TheStoreAlsoReportsATableThatIsGone) {
  TempDir dir;
  const std::string path = dir.File("db");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  WS_ASSERT_OK(store->Migrate());
  // Checked while the store has the file open (its WAL in use).
  const auto whole = store->CheckIntegrity(10'000'000);
  WS_ASSERT_OK(whole);
  EXPECT_EQ(whole->outcome, IntegrityReport::Outcome::kOk) << whole->problem;
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("DROP TABLE leases"), SQLITE_OK);
  }
  const auto gone = store->CheckIntegrity(10'000'000);
  WS_ASSERT_OK(gone);
  EXPECT_EQ(gone->outcome, IntegrityReport::Outcome::kDamaged);
  EXPECT_EQ(gone->problem, "missing table leases");
}

}  // namespace
}  // namespace workspaced::store
