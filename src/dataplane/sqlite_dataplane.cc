#include "dataplane/sqlite_dataplane.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <mutex>

#include "common/private_file.h"
#include "common/random.h"
#include "dataplane/sqlite_connection_cache.h"
#include "dataplane/sqlite_pillar_stmt.h"
#include "dataplane/sqlite_secret_rows.h"
#include "dataplane/sqlite_vault_rows.h"
#include "store/sqlite_busy.h"

namespace workspaced::dataplane {
namespace fs = std::filesystem;
namespace {

// `done`, the outcome of a dataplane write on `conn`; once it committed,
// what it deleted is scrubbed from the file's log (sqlite_pillar).
Status Scrubbed(Connection& conn, Status done) {
  if (done.ok()) sqlite_pillar::ScrubIfDeleted(conn);
  return done;
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;

// A failed file operation under the dataplane's directory: a full disk
// waits for space like the service's own database (common/status.h).
Status FileFailed(const std::string& what, int error) {
  Status s = FileSystemError("dataplane: " + what, error);
  if (s.cause() == Cause::kNone) s.WithCause(Cause::kDataplaneFailed);
  return s;
}

// A failed SQLite call on the dataplane's database (SQLite says SQLITE_FULL
// for ENOSPC; an I/O error carries its errno).
Status Failed(sqlite3* db, int rc) {
  int error = 0;
  if ((rc & 0xff) == SQLITE_FULL) error = ENOSPC;
  if ((rc & 0xff) == SQLITE_IOERR) error = sqlite3_system_errno(db);
  return FileFailed(sqlite3_errmsg(db), error);
}

StatusOr<Db> Open(const fs::path& path) {
  // 0600 before SQLite opens it; its WAL and SHM files take the same mode.
  WS_RETURN_IF_ERROR(MakePrivateFile(path.string()));
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return FileFailed("cannot open " + path.string(), errno);
  store::SetBusyTimeout(db.get(), 5000, store::LockHolders::kThisProcessToo);
  return db;
}

// Runs SQL with one optional text parameter.
Status Exec(sqlite3* db, const char* sql, const std::string* param = nullptr) {
  sqlite3_stmt* stmt = nullptr;
  const int prepared = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (prepared != SQLITE_OK) return Failed(db, prepared);
  if (param != nullptr)
    sqlite3_bind_text(stmt, 1, param->data(), static_cast<int>(param->size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return Failed(db, rc);
  return Status::Ok();
}

// The table every dataplane database holds: which workspaces it serves.
constexpr char kCreateTableIfMissing[] =
    "CREATE TABLE IF NOT EXISTS dataplane_workspaces (id TEXT PRIMARY KEY, "
    "created_at INTEGER NOT NULL)";

void SyncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Status SyncFile(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileFailed("cannot open " + path.string(), errno);
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return FileFailed("cannot sync " + path.string(), error);
  return Status::Ok();
}

// How many databases keep an open connection (each: a file descriptor or
// three with WAL, and SQLite's page cache as it fills).
constexpr std::size_t kCachedConnections = 64;

class SqliteDataplane final : public Dataplane {
 public:
  explicit SqliteDataplane(std::string root) : root_(std::move(root)) {}

  Status Provision(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(CheckIds(ws));
    const fs::path dir = fs::path(root_) / ws.region;
    std::error_code ec;
    WS_RETURN_IF_ERROR(MakePrivateDirectory(root_));
    WS_RETURN_IF_ERROR(MakePrivateDirectory(dir.string()));
    if (ws.tenancy_model == model::TenancyModel::kDedicated) {
      // No lock: each workspace has its own files, and the saga's lease
      // guarantees one provisioning of a workspace at a time.
      const fs::path final_path = dir / (ws.id + ".db");
      if (fs::exists(final_path, ec)) return Status::Ok();
      // Built under a temporary name and renamed: a crash leaves either no
      // database or a complete one, never a half-initialised one. The build
      // itself needs no journal or syncs of its own (a torn temporary file is
      // simply rebuilt); one fsync of the finished file, the rename and one
      // fsync of the directory make it durable.
      const fs::path tmp = dir / (ws.id + ".db.tmp");
      fs::remove(tmp, ec);
      {
        WS_ASSIGN_OR_RETURN(Db db, Open(tmp));
        WS_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA journal_mode=OFF"));
        WS_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA synchronous=OFF"));
        WS_RETURN_IF_ERROR(Exec(db.get(), "BEGIN"));
        WS_RETURN_IF_ERROR(Exec(db.get(), kCreateTableIfMissing));
        WS_RETURN_IF_ERROR(
            Exec(db.get(), "INSERT INTO dataplane_workspaces VALUES (?1, unixepoch())", &ws.id));
        WS_RETURN_IF_ERROR(Exec(db.get(), "COMMIT"));
      }
      WS_RETURN_IF_ERROR(SyncFile(tmp));
      fs::rename(tmp, final_path, ec);
      if (ec)
        return FileFailed("cannot create " + final_path.string() + ": " + ec.message(), ec.value());
      SyncDirectory(dir);
      return Status::Ok();
    }
    std::lock_guard lock(mu_);  // serializes shared.db schema creation
    WS_ASSIGN_OR_RETURN(Db db, Open(dir / "shared.db"));
    WS_RETURN_IF_ERROR(Exec(db.get(), "PRAGMA journal_mode=WAL"));
    WS_RETURN_IF_ERROR(Exec(db.get(), kCreateTableIfMissing));
    return Exec(db.get(), "INSERT OR IGNORE INTO dataplane_workspaces VALUES (?1, unixepoch())",
                &ws.id);
  }

  Status Deprovision(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(CheckIds(ws));
    std::lock_guard lock(mu_);
    const fs::path dir = fs::path(root_) / ws.region;
    std::error_code ec;
    if (ws.tenancy_model == model::TenancyModel::kDedicated) {
      // The cached connection is closed first and no request opens the file
      // again while it goes: a purged workspace's file is never reused.
      return connections_.Remove((dir / (ws.id + ".db")).string(), [&]() -> Status {
        for (const char* suffix : {".db", ".db.tmp", ".db-wal", ".db-shm", ".db-journal"}) {
          fs::remove(dir / (ws.id + suffix), ec);
          if (ec)
            return FileFailed("cannot remove " + ws.id + suffix + ": " + ec.message(), ec.value());
        }
        SyncDirectory(dir);
        return Status::Ok();
      });
    }
    StatusOr<ConnectionCache::Lease> lease = Pillars((dir / "shared.db").string());
    if (lease.status().code() == Code::kConflict) return Status::Ok();  // no shared.db
    WS_RETURN_IF_ERROR(lease.status());
    sqlite3* db = lease->conn().db();
    WS_RETURN_IF_ERROR(Exec(db, "DELETE FROM secret_versions WHERE workspace_id = ?1", &ws.id));
    WS_RETURN_IF_ERROR(sqlite_vault::DeleteWorkspace(lease->conn(), ws.id));
    lease->conn().scrub = true;  // a shared file: its log holds the purged rows
    return Scrubbed(lease->conn(),
                    Exec(db, "DELETE FROM dataplane_workspaces WHERE id = ?1", &ws.id));
  }

  // The directory is made by the first provisioning; until then, nothing
  // can be unreachable.
  Status Ping() override {
    std::error_code ec;
    if (fs::exists(root_, ec) && ::access(root_.c_str(), R_OK | W_OK | X_OK) != 0)
      return Unavailable("the embedded dataplane's directory cannot be written");
    return Status::Ok();
  }

  StatusOr<bool> Exists(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(CheckIds(ws));
    std::lock_guard lock(mu_);
    const fs::path dir = fs::path(root_) / ws.region;
    std::error_code ec;
    if (ws.tenancy_model == model::TenancyModel::kDedicated)
      return fs::exists(dir / (ws.id + ".db"), ec);
    if (!fs::exists(dir / "shared.db", ec)) return false;
    WS_ASSIGN_OR_RETURN(Db db, Open(dir / "shared.db"));
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db.get(), "SELECT 1 FROM dataplane_workspaces WHERE id = ?1", -1, &stmt,
                           nullptr) != SQLITE_OK) {
      return false;  // no table yet: nothing provisioned
    }
    sqlite3_bind_text(stmt, 1, ws.id.data(), static_cast<int>(ws.id.size()), SQLITE_TRANSIENT);
    const bool found = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
    return found;
  }

  StatusOr<NumberedSecret> AddPendingSecret(const model::Workspace& ws, const SecretRow& row,
                                            FunctionRef<std::string(std::int64_t)> seal) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return sqlite_secrets::AddPending(lease.conn(), ws.id, row, seal);
  }
  Status CommitSecretOperation(const model::Workspace& ws, std::string_view operation_id,
                               int keep_versions) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return Scrubbed(lease.conn(),
                    sqlite_secrets::Commit(lease.conn(), ws.id, operation_id, keep_versions));
  }
  Status DiscardSecretOperation(const model::Workspace& ws,
                                std::string_view operation_id) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return Scrubbed(lease.conn(), sqlite_secrets::Discard(lease.conn(), ws.id, operation_id));
  }
  StatusOr<std::vector<SecretRow>> ListSecretRows(const model::Workspace& ws,
                                                  const SecretRowQuery& query) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return sqlite_secrets::List(lease.conn(), ws.id, query);
  }

  Status AddPendingVaultRows(const model::Workspace& ws,
                             const std::vector<VaultRow>& rows) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return sqlite_vault::AddPending(lease.conn(), ws.id, rows);
  }
  Status CommitVaultOperation(const model::Workspace& ws, std::string_view operation_id) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return Scrubbed(lease.conn(), sqlite_vault::Commit(lease.conn(), ws.id, operation_id));
  }
  Status DiscardVaultOperation(const model::Workspace& ws, std::string_view operation_id) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return Scrubbed(lease.conn(), sqlite_vault::Discard(lease.conn(), ws.id, operation_id));
  }
  StatusOr<std::vector<VaultRow>> ListVaultRows(const model::Workspace& ws,
                                                const VaultRowQuery& query) override {
    WS_ASSIGN_OR_RETURN(const ConnectionCache::Lease lease, OpenPillars(ws));
    return sqlite_vault::List(lease.conn(), ws.id, query);
  }

 private:
  // A lease of the connection to the database at `path` (kept open in
  // connections_), its pillar tables created when the connection is opened
  // (a database provisioned before a pillar existed gets them then). Never
  // creates a database: kConflict when there is none.
  StatusOr<ConnectionCache::Lease> Pillars(const std::string& path) {
    return connections_.Acquire(path, [](Connection& conn) -> Status {
      WS_RETURN_IF_ERROR(Exec(conn.db(), "PRAGMA journal_mode=WAL"));
      // Deleted rows are overwritten with zeros (docs/encryption.md).
      WS_RETURN_IF_ERROR(Exec(conn.db(), "PRAGMA secure_delete=ON"));
      WS_RETURN_IF_ERROR(Exec(conn.db(), kCreateTableIfMissing));
      WS_RETURN_IF_ERROR(sqlite_secrets::EnsureTable(conn.db()));
      return sqlite_vault::EnsureTable(conn.db());
    });
  }

  // The workspace's provisioned database. kConflict when the workspace has
  // none here (no file; or no row in shared.db).
  StatusOr<ConnectionCache::Lease> OpenPillars(const model::Workspace& ws) {
    WS_RETURN_IF_ERROR(CheckIds(ws));
    const fs::path dir = fs::path(root_) / ws.region;
    const bool dedicated = ws.tenancy_model == model::TenancyModel::kDedicated;
    WS_ASSIGN_OR_RETURN(
        ConnectionCache::Lease lease,
        Pillars((dir / (dedicated ? ws.id + ".db" : std::string("shared.db"))).string()));
    if (!dedicated) {
      WS_ASSIGN_OR_RETURN(
          sqlite3_stmt * stmt,
          lease.conn().Statement("SELECT 1 FROM dataplane_workspaces WHERE id = ?1"));
      sqlite3_bind_text(stmt, 1, ws.id.data(), static_cast<int>(ws.id.size()), SQLITE_TRANSIENT);
      const bool found = sqlite3_step(stmt) == SQLITE_ROW;
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      if (!found) return Conflict("the workspace's dataplane is not provisioned");
    }
    return lease;
  }

  // Ids and regions become path components: only what we generate and
  // validate may get here.
  static Status CheckIds(const model::Workspace& ws) {
    if (!IsUuid(ws.id)) return Internal("dataplane: workspace id is not a UUID");
    if (ws.region.empty() ||
        ws.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      return Internal("dataplane: region is not a cell name");
    return Status::Ok();
  }

  const std::string root_;
  std::mutex mu_;  // serializes shared.db's creation and Exists's reads
  // Open connections to the databases of the workspaces in use; the bound
  // keeps file descriptors and SQLite's page caches in check.
  ConnectionCache connections_{kCachedConnections};
};

}  // namespace

std::unique_ptr<Dataplane> NewSqliteDataplane(std::string root) {
  return std::make_unique<SqliteDataplane>(std::move(root));
}

}  // namespace workspaced::dataplane
