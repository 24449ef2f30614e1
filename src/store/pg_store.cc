#include "store/pg_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "store/pg_change_feed.h"
#include "store/pg_connection.h"
#include "store/pg_migrations.h"
#include "store/schema_check.h"
#include "store/sql_tx.h"
#include "store/write_check.h"

namespace workspaced::store {
namespace {

class PgStore final : public Store {
 public:
  explicit PgStore(PostgresOptions options) : options_(std::move(options)) {}
  // Where commits are announced (the channel of this store's schema), by
  // the change feed. Before the store is shared.
  void Announce(const std::string& channel);

  Status Migrate() override;
  StatusOr<int> SchemaVersion() override;
  Status Ping() override;
  StatusOr<IntegrityReport> CheckIntegrity(Micros budget) override;
  Status Read(FunctionRef<Status(Tx&)> fn) override;
  Status Write(FunctionRef<Status(Tx&)> fn) override {
    return WriteAt("BEGIN ISOLATION LEVEL SERIALIZABLE", fn);
  }
  Status WriteRowLocked(FunctionRef<Status(Tx&)> fn) override {
    return WriteAt("BEGIN ISOLATION LEVEL REPEATABLE READ", fn);
  }
  // Moved by every commit that wrote, of any process (pg_change_feed.h).
  StatusOr<std::uint64_t> DataVersion() override { return feed_->Version(); }
  StatusOr<std::uint64_t> ForeignDataVersion() override { return feed_->ForeignVersion(); }
  bool DataVersionCoversEveryWrite() const override { return true; }
  void SetCommitObserver(CommitObserver* observer) override { observer_ = observer; }

 private:
  // A pooled connection, returned on destruction (dropped when broken).
  class Lease {
   public:
    Lease(PgStore& store, std::unique_ptr<PgConnection> conn)
        : store_(store), conn_(std::move(conn)) {}
    ~Lease() { store_.Return(std::move(conn_)); }
    PgConnection& conn() { return *conn_; }

   private:
    PgStore& store_;
    std::unique_ptr<PgConnection> conn_;
  };

  StatusOr<std::unique_ptr<Lease>> Acquire();
  void Return(std::unique_ptr<PgConnection> conn);
  // A write transaction begun with `begin`, run again after a serialization
  // failure or deadlock.
  Status WriteAt(const char* begin, FunctionRef<Status(Tx&)> fn);
  // Runs `body` in a transaction begun with `begin`; rolls back on failure.
  // Pipelined (pg_connection.h) unless `body` runs commands with Exec
  // (migrations). With `wrote`, says whether the transaction wrote.
  enum class Mode { kPipelined, kPlain };
  // With `wrote`, `*notified` says whether the commit carried its own
  // notification (the feed was not listening to announce it).
  Status InTransaction(PgConnection& conn, const char* begin, FunctionRef<Status()> body,
                       Mode mode, bool* wrote = nullptr, bool* notified = nullptr);

  const PostgresOptions options_;
  // Sent just before COMMIT, in the same round trip: a row iff the
  // transaction wrote (txid_current_if_assigned() is NULL until it does),
  // so a commit is announced exactly when a change is committed. While the
  // feed listens, it announces the commit afterwards (coalesced); while it
  // does not (a command of the CLI never starts it; a replica whose
  // listening connection is lost), the transaction notifies with its
  // COMMIT, as every transaction did before session 11.
  static constexpr char kWroteProbe[] = "SELECT 1 WHERE txid_current_if_assigned() IS NOT NULL";
  std::string notify_with_commit_;
  std::unique_ptr<PgChangeFeed> feed_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;                                     // guarded by mu_
  std::mutex observer_mu_;                           // observers see one commit at a time
  CommitObserver* observer_ = nullptr;
};

StatusOr<std::unique_ptr<PgStore::Lease>> PgStore::Acquire() {
  std::unique_lock lock(mu_);
  while (idle_.empty() && open_ >= options_.pool_size) returned_.wait(lock);
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return std::make_unique<Lease>(*this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = PgConnection::Open(options_.conninfo, options_.prepared_statements);
  if (!conn.ok()) {
    std::lock_guard relock(mu_);
    --open_;
    returned_.notify_one();
    return conn.status();
  }
  return std::make_unique<Lease>(*this, std::move(*conn));
}

void PgStore::Return(std::unique_ptr<PgConnection> conn) {
  std::lock_guard lock(mu_);
  if (conn && conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;  // dropped; the next Acquire opens a fresh one
  }
  returned_.notify_one();
}

Status PgStore::InTransaction(PgConnection& conn, const char* begin, FunctionRef<Status()> body,
                              Mode mode, bool* wrote, bool* notified) {
  if (mode == Mode::kPipelined) {
    // Whether it wrote, learnt in the COMMIT's own round trip.
    bool rows = false;
    const bool with_commit = wrote != nullptr && !feed_->listening();
    const char* probe = wrote == nullptr ? nullptr
                        : with_commit    ? notify_with_commit_.c_str()
                                         : kWroteProbe;
    Status s = conn.BeginPipeline(begin);
    if (s.ok()) s = body();
    if (s.ok()) s = conn.CommitPipeline(probe, &rows);
    if (!s.ok()) conn.AbortPipeline();
    if (wrote != nullptr) *wrote = s.ok() && rows;
    if (notified != nullptr) *notified = with_commit;
    return s;
  }
  WS_RETURN_IF_ERROR(conn.Exec(begin));
  Status s = body();
  if (s.ok()) s = conn.Exec("COMMIT");
  if (!s.ok()) (void)conn.Exec("ROLLBACK");
  return s;
}

void PgStore::Announce(const std::string& channel) {
  // This process's announcements say so (the listener need not count them:
  // each commit moved the version as it committed): 16 random hex digits.
  std::string token;
  std::random_device random;
  for (int i = 0; i < 16; ++i) token.push_back("0123456789abcdef"[random() % 16]);
  feed_ = std::make_unique<PgChangeFeed>(PgChangeFeed::Options{
      .conninfo = options_.listen_conninfo.empty() ? options_.conninfo : options_.listen_conninfo,
      .channel = channel,
      .poll_interval = Micros{options_.poll_interval_ms} * 1000,
      .application_name = "workspaced listen " + std::to_string(getpid()),
      .own_payload = token,
  });
  notify_with_commit_ = feed_->NotifyWithCommitSql();
}

Status PgStore::Read(FunctionRef<Status(Tx&)> fn) {
  WS_ASSIGN_OR_RETURN(auto lease, Acquire());
  return InTransaction(
      lease->conn(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
      [&] {
        SqlTx tx(lease->conn());
        return fn(tx);
      },
      Mode::kPipelined);
}

// Each thread's generator for retry pauses, seeded once (a random_device
// per write cost 1.5 % of the server's CPU under creates).
std::mt19937& Jitter() {
  thread_local std::mt19937 jitter(std::random_device{}());
  return jitter;
}

Status PgStore::WriteAt(const char* begin, FunctionRef<Status(Tx&)> fn) {
  for (int attempt = 1;; ++attempt) {
    WS_ASSIGN_OR_RETURN(auto lease, Acquire());
    TxLog log;
    bool wrote = false;
    bool notified = false;
    const Status s = InTransaction(
        lease->conn(), begin,
        [&] {
          log = TxLog{};
          SqlTx tx(lease->conn(), &log);
          // Its reads are the transaction's: a commit that changes what it
          // read fails this one (serializable) or waits for it.
          WS_RETURN_IF_ERROR(RunWriteCheck(tx));
          WS_RETURN_IF_ERROR(fn(tx));
          return tx.Finish();
        },
        Mode::kPipelined, &wrote, &notified);
    if (s.ok()) {
      // Before Write returns: this process's next read is never stale.
      // Announced to the others by the feed, after the commit, unless the
      // commit carried its notification.
      if (wrote) notified ? feed_->Bump() : feed_->Committed();
      const StatusOr<std::vector<RelationshipChange>> changes = log.Changes();
      if (!changes.ok()) {
        // Committed all the same; the observer is not told, the index
        // replays the outbox at its next check.
        log::Error("postgres: a commit's outbox rows could not be read back",
                   {{"error", changes.status().message()}});
        feed_->BumpForeign();
      } else if (observer_ != nullptr && !changes->empty()) {
        std::lock_guard lock(observer_mu_);
        observer_->OnRelationshipsCommitted(*changes);
      }
      return s;
    }
    // The connection broke: the COMMIT may have happened unanswered, and
    // the commit observer was not told. Whoever caches must look again,
    // here and on the other replicas (an announcement of a commit that did
    // not happen only makes them look).
    if (!lease->conn().healthy()) feed_->Uncertain();
    if (!lease->conn().TakeRetryable() || attempt >= options_.write_attempts) return s;
    // Another transaction won the race: a jittered pause growing with each
    // attempt (1 ms doubling, capped at 200 ms), so contenders spread out.
    const int cap_us = std::min(200'000, 1000 << std::min(attempt, 8));
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(cap_us / 2, cap_us)(Jitter())));
  }
}

Status PgStore::Migrate() {
  const auto migrations = PgMigrations();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  for (bool applied = true; applied;) {
    applied = false;
    WS_ASSIGN_OR_RETURN(auto lease, Acquire());
    PgConnection& c = lease->conn();
    WS_RETURN_IF_ERROR(InTransaction(c, "BEGIN", [&]() -> Status {
      // Processes migrating at once apply each migration exactly once.
      WS_RETURN_IF_ERROR(c.Exec("SELECT pg_advisory_xact_lock(7269636)"));
      WS_RETURN_IF_ERROR(c.Exec(kPgCreateSchemaMigrations));
      WS_ASSIGN_OR_RETURN(Stmt stmt,
                          c.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
      WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
      const int current = row ? static_cast<int>(stmt.Int(0)) : 0;
      if (current > latest) {
        return Internal("postgres: database schema version " + std::to_string(current) +
                        " is newer than this binary supports (" + std::to_string(latest) +
                        "); run a newer workspaced");
      }
      for (const Migration& m : migrations) {
        // By presence, as on SQLite (sqlite_store.cc says why).
        WS_ASSIGN_OR_RETURN(Stmt done,
                            c.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1"));
        WS_ASSIGN_OR_RETURN(const bool done_before, done.Bind(m.version).Step());
        if (done_before) continue;
        WS_RETURN_IF_ERROR(c.Exec(m.sql));
        WS_ASSIGN_OR_RETURN(Stmt record, c.Prepare("INSERT INTO schema_migrations (version, "
                                                   "name, applied_at) VALUES (?1, ?2, ?3)"));
        WS_RETURN_IF_ERROR(record.Bind(m.version, m.name, SystemClock().Now()).Run());
        applied = true;
        break;
      }
      return Status::Ok();
    }, Mode::kPlain));
  }
  return Status::Ok();
}

StatusOr<int> PgStore::SchemaVersion() {
  WS_ASSIGN_OR_RETURN(auto lease, Acquire());
  PgConnection& c = lease->conn();
  WS_ASSIGN_OR_RETURN(Stmt exists,
                      c.Prepare("SELECT to_regclass('schema_migrations') IS NOT NULL"));
  WS_ASSIGN_OR_RETURN(const bool row, exists.Step());
  if (!row || exists.Text(0) != "t") return 0;
  WS_ASSIGN_OR_RETURN(Stmt max,
                      c.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  WS_ASSIGN_OR_RETURN(const bool got, max.Step());
  return got ? static_cast<int>(max.Int(0)) : 0;
}

Status PgStore::Ping() {
  WS_ASSIGN_OR_RETURN(auto lease, Acquire());
  return lease->conn().Exec("SELECT 1");
}

// PostgreSQL checksums and WAL guard its pages; what can go wrong on our
// side is a schema that is not whole. A handful of catalogue lookups:
// `budget` is not needed.
StatusOr<IntegrityReport> PgStore::CheckIntegrity(Micros) {
  const auto migrations = PgMigrations();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  WS_ASSIGN_OR_RETURN(const int version, SchemaVersion());
  WS_ASSIGN_OR_RETURN(auto lease, Acquire());
  std::string gap;
  WS_RETURN_IF_ERROR(InTransaction(
      lease->conn(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [&]() -> Status {
        WS_ASSIGN_OR_RETURN(gap, SchemaGap(lease->conn(), version, latest));
        return Status::Ok();
      }, Mode::kPipelined));
  if (gap.empty()) return IntegrityReport{};
  return IntegrityReport{IntegrityReport::Outcome::kDamaged, gap};
}

// The channel commits to this schema are announced on, named after what
// current_schema() is on the pool's connections (each test server has a
// schema of its own on one database): its MD5, so that any schema name fits
// a channel's 63 bytes.
StatusOr<std::string> ChannelOf(PgConnection& conn) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      conn.Prepare("SELECT 'workspaced ' || md5(COALESCE(current_schema(), ''))"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Internal("postgres: no row from current_schema()");
  return std::string(stmt.Text(0));
}

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  if (options.pool_size < 1) return InvalidArgument("postgres: pool_size must be at least 1");
  if (options.conninfo.empty()) return InvalidArgument("postgres: no connection string");
  if (options.poll_interval_ms < 1)
    return InvalidArgument("postgres: poll_interval_ms must be at least 1");
  WS_RETURN_IF_ERROR(LoadLibpq());
  WS_ASSIGN_OR_RETURN(auto conn, PgConnection::Open(options.conninfo, options.prepared_statements));
  WS_ASSIGN_OR_RETURN(const std::string channel, ChannelOf(*conn));
  auto store = std::make_unique<PgStore>(options);
  store->Announce(channel);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace workspaced::store
