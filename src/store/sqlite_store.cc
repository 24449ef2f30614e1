#include "store/sqlite_store.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "store/schema_check.h"
#include "store/sql_tx.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_integrity.h"
#include "store/sqlite_migrations.h"
#include "store/sqlite_reader_pool.h"
#include "store/write_check.h"

namespace workspaced::store {
namespace {

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<SqliteConnection> writer,
              ReaderPool::Connections readers, std::unique_ptr<SqliteConnection> watcher)
      : path_(std::move(path)),
        writer_(std::move(writer)),
        readers_(std::move(readers)),
        watcher_(std::move(watcher)) {}

  Status Migrate() override;
  StatusOr<int> SchemaVersion() override;
  Status Ping() override;
  StatusOr<IntegrityReport> CheckIntegrity(Micros budget) override;

  Status Read(FunctionRef<Status(Tx&)> fn) override {
    ReaderPool::Lease lease = readers_.Acquire();
    SqliteConnection& conn = lease.conn();
    // Deferred BEGIN: the snapshot is taken at the first SELECT and held to
    // COMMIT, so every statement of the callback sees the same state.
    return conn.InTransaction("BEGIN", [&] {
      SqlTx tx(conn);
      return fn(tx);
    });
  }

  Status Write(FunctionRef<Status(Tx&)> fn) override {
    std::lock_guard lock(writer_mu_);
    // IMMEDIATE takes the write lock up front, so a lock held by another
    // process shows up here (after the busy timeout, as kUnavailable) rather
    // than as an unretryable SQLITE_BUSY halfway through the callback. Within
    // this process the mutex already serializes writers, so the callback is
    // run exactly once.
    TxLog log;
    const Status s = writer_->InTransaction("BEGIN IMMEDIATE", [&] {
      log = TxLog{};
      SqlTx tx(*writer_, &log);
      WS_RETURN_IF_ERROR(RunWriteCheck(tx));  // under the write lock: nothing commits meanwhile
      WS_RETURN_IF_ERROR(fn(tx));
      return tx.Finish();
    });
    // A commit's rows not read back (never seen): the observer is not told,
    // and the index replays the outbox, as after another process's commit.
    std::vector<RelationshipChange> changes;
    if (s.ok()) {
      StatusOr<std::vector<RelationshipChange>> logged = log.Changes();
      if (logged.ok()) changes = std::move(logged).value();
    }
    // Still under the writer mutex: observers see commits in commit order.
    if (s.ok() && observer_ != nullptr && !changes.empty())
      observer_->OnRelationshipsCommitted(changes);
    if (s.ok() && log.scrub) {
      Scrub(3);
    } else if (scrub_owed_) {
      Scrub(1);  // owed since an earlier commit: one try, no wait
    }
    return s;
  }

  void SetCommitObserver(CommitObserver* observer) override { observer_ = observer; }

  // After a commit that destroyed a data key: secure_delete zeroed the rows
  // in the pages it wrote, but the write-ahead log's older frames still
  // hold them until it is checkpointed and truncated. The commit stands
  // whatever happens here: a reader still on the log (another process's, or
  // one of the pool's mid-read) makes the truncation wait a moment and try
  // again (`attempts` in all, 10 ms apart), and if it still cannot, it is
  // owed: tried once after each later commit until done (a purge makes
  // several), and logged.
  void Scrub(int attempts) {
    std::string error = "readers kept it";
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      // Its row: busy (1 when readers kept it from finishing), frames.
      StatusOr<Stmt> checkpoint = writer_->Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
      StatusOr<bool> row = checkpoint.ok() ? checkpoint->Step() : checkpoint.status();
      if (row.ok() && *row && checkpoint->Int(0) == 0) {
        scrub_owed_ = false;
        return;
      }
      if (!row.ok()) error = row.status().message();
    }
    if (!scrub_owed_)
      log::Warn(
          "sqlite: the write-ahead log was not truncated after a destroying commit; "
          "trying again after the next commits",
          {{"error", error}});
    scrub_owed_ = true;
  }

  // PRAGMA data_version on a connection that never writes: it changes when
  // any other connection, of this process or another, commits.
  bool DataVersionCoversEveryWrite() const override { return true; }
  StatusOr<std::uint64_t> DataVersion() override {
    std::lock_guard lock(watcher_mu_);
    WS_ASSIGN_OR_RETURN(Stmt stmt, watcher_->Prepare("PRAGMA data_version"));
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return Internal("sqlite: no row from PRAGMA data_version");
    return static_cast<std::uint64_t>(stmt.Int(0));
  }

 private:
  // Applies the first pending migration, if any; *applied says whether it did.
  Status ApplyNextMigration(bool& applied);

  const std::string path_;
  std::mutex writer_mu_;
  // Guarded by writer_mu_: every use of the writer connection.
  const std::unique_ptr<SqliteConnection> writer_;
  ReaderPool readers_;
  CommitObserver* observer_ = nullptr;
  bool scrub_owed_ = false;  // guarded by writer_mu_ (Scrub)
  std::mutex watcher_mu_;
  // Guarded by watcher_mu_.
  const std::unique_ptr<SqliteConnection> watcher_;
};

StatusOr<int> ReadVersion(SqliteConnection& conn) {
  WS_ASSIGN_OR_RETURN(Stmt exists, conn.Prepare("SELECT 1 FROM sqlite_master WHERE type = "
                                                "'table' AND name = 'schema_migrations'"));
  WS_ASSIGN_OR_RETURN(const bool has_table, exists.Step());
  if (!has_table) return 0;
  WS_ASSIGN_OR_RETURN(Stmt max,
                      conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  WS_ASSIGN_OR_RETURN(const bool row, max.Step());
  if (!row) return Internal("sqlite: no row from MAX(version)");
  return static_cast<int>(max.Int(0));
}

Status SqliteStore::ApplyNextMigration(bool& applied) {
  applied = false;
  const auto migrations = SqliteMigrations();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  // The version is read inside the write transaction, so two processes
  // migrating at once apply each migration exactly once.
  return writer_->InTransaction("BEGIN IMMEDIATE", [&]() -> Status {
    WS_RETURN_IF_ERROR(writer_->Exec(kCreateSchemaMigrations));
    WS_ASSIGN_OR_RETURN(const int current, ReadVersion(*writer_));
    if (current > latest) {
      return Internal("sqlite: database schema version " + std::to_string(current) +
                      " is newer than this binary supports (" + std::to_string(latest) +
                      "); run a newer workspaced");
    }
    for (const Migration& m : migrations) {
      // By presence, not by the highest version: work merged side by side
      // numbers its migrations apart, so one may land below a version a
      // database already has (8 after 10), and must still run there.
      WS_ASSIGN_OR_RETURN(Stmt done,
                          writer_->Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1"));
      WS_ASSIGN_OR_RETURN(const bool done_before, done.Bind(m.version).Step());
      if (done_before) continue;
      WS_RETURN_IF_ERROR(writer_->ExecScript(m.sql));
      WS_ASSIGN_OR_RETURN(Stmt record,
                          writer_->Prepare("INSERT INTO schema_migrations (version, name, "
                                           "applied_at) VALUES (?1, ?2, ?3)"));
      // Bookkeeping for operators only; nothing reads it back, so the system
      // clock is used rather than an injected one.
      WS_RETURN_IF_ERROR(record.Bind(m.version, m.name, SystemClock().Now()).Run());
      applied = true;
      break;
    }
    return Status::Ok();
  });
}

Status SqliteStore::Migrate() {
  std::lock_guard lock(writer_mu_);
  for (bool applied = true; applied;) WS_RETURN_IF_ERROR(ApplyNextMigration(applied));
  return Status::Ok();
}

StatusOr<int> SqliteStore::SchemaVersion() {
  ReaderPool::Lease lease = readers_.Acquire();
  int version = 0;
  WS_RETURN_IF_ERROR(lease.conn().InTransaction("BEGIN", [&]() -> Status {
    WS_ASSIGN_OR_RETURN(version, ReadVersion(lease.conn()));
    return Status::Ok();
  }));
  return version;
}

Status SqliteStore::Ping() {
  ReaderPool::Lease lease = readers_.Acquire();
  WS_ASSIGN_OR_RETURN(Stmt stmt, lease.conn().Prepare("SELECT 1"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Internal("sqlite: SELECT 1 returned no row");
  return Status::Ok();
}

StatusOr<IntegrityReport> SqliteStore::CheckIntegrity(Micros budget) {
  WS_ASSIGN_OR_RETURN(IntegrityReport report, CheckSqliteFile(path_, budget));
  if (report.outcome == IntegrityReport::Outcome::kDamaged) return report;
  const auto migrations = SqliteMigrations();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  ReaderPool::Lease lease = readers_.Acquire();
  std::string gap;
  WS_RETURN_IF_ERROR(lease.conn().InTransaction("BEGIN", [&]() -> Status {
    WS_ASSIGN_OR_RETURN(const int version, ReadVersion(lease.conn()));
    WS_ASSIGN_OR_RETURN(gap, SchemaGap(lease.conn(), version, latest));
    return Status::Ok();
  }));
  if (!gap.empty()) return IntegrityReport{IntegrityReport::Outcome::kDamaged, gap};
  return report;
}

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.readers < 1) return InvalidArgument("sqlite: readers must be at least 1");
  if (options.busy_timeout_ms < 0) return InvalidArgument("sqlite: busy_timeout_ms is negative");
  ConnectionOptions reading{.busy_timeout_ms = options.busy_timeout_ms, .query_only = true};
  if (options.read_only) {
    reading.read_only = true;
    const std::string dir = std::filesystem::path(options.path).parent_path().string();
    reading.immutable = ::access((options.path + "-wal").c_str(), F_OK) != 0 &&
                        ::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0;
  }
  // The writer opens first: it creates the file and switches it to WAL, which
  // the readers then find already in force. Read-only, it is one more reader.
  const ConnectionOptions writing =
      options.read_only ? reading : ConnectionOptions{.busy_timeout_ms = options.busy_timeout_ms};
  WS_ASSIGN_OR_RETURN(auto writer, SqliteConnection::Open(options.path, writing));
  ReaderPool::Connections readers;
  readers.reserve(options.readers);
  for (int i = 0; i < options.readers; ++i) {
    WS_ASSIGN_OR_RETURN(auto reader, SqliteConnection::Open(options.path, reading));
    readers.push_back(std::move(reader));
  }
  WS_ASSIGN_OR_RETURN(auto watcher, SqliteConnection::Open(options.path, reading));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      options.path, std::move(writer), std::move(readers), std::move(watcher)));
}

}  // namespace workspaced::store
