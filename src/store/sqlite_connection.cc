#include "store/sqlite_connection.h"

#include <utility>

#include "common/log.h"
#include "common/private_file.h"
#include "store/sqlite_busy.h"

namespace workspaced::store {

StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, const ConnectionOptions& options) {
  // Tests and production alike use real files: an in-memory database would
  // give each pooled connection its own empty database.
  if (path.empty() || path == ":memory:") {
    return InvalidArgument("sqlite: a database file path is required");
  }
  sqlite3* raw = nullptr;
  int rc = SQLITE_OK;
  if (options.read_only) {
    // A URI built from the path (escaped), so the path is still never "file:?…".
    rc = sqlite3_open_v2(
        SqliteReadOnlyUri(path, options.immutable).c_str(), &raw,
        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
  } else {
    // 0600 before SQLite opens it; its WAL and SHM files take the same mode.
    WS_RETURN_IF_ERROR(MakePrivateFile(path));
    // No SQLITE_OPEN_URI: the path is a plain file name, never "file:?…".
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  }
  SqliteDbPtr db(raw);  // sqlite3_open_v2 may allocate a handle even on failure
  if (rc != SQLITE_OK) {
    if (!db) return Internal("sqlite: out of memory opening " + path);
    return Internal("sqlite: cannot open " + path + ": " + sqlite3_errmsg(db.get()));
  }
  auto conn = std::make_unique<SqliteConnection>(OpenKey{}, std::move(db));
  WS_RETURN_IF_ERROR(conn->ApplyPragmas(options));
  return conn;
}

std::string SqliteReadOnlyUri(const std::string& path, bool immutable) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri = "file:";
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '%' || c == '?' || c == '#') {
      uri += '%';
      uri += kHex[u >> 4];
      uri += kHex[u & 15];
    } else {
      uri += c;
    }
  }
  return uri + (immutable ? "?mode=ro&immutable=1" : "?mode=ro");
}

Status SqliteConnection::ApplyPragmas(const ConnectionOptions& options) {
  // Set first, so that switching to WAL waits for other connections.
  SetBusyTimeout(db(), options.busy_timeout_ms);
  if (options.read_only) {
    // Nothing is written: the journal mode and durability are the writer's.
    WS_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    return Exec("PRAGMA query_only=ON");
  }
  {
    WS_ASSIGN_OR_RETURN(Stmt wal, Prepare("PRAGMA journal_mode=WAL"));
    WS_ASSIGN_OR_RETURN(const bool row, wal.Step());
    // The pragma answers with the mode in force, which differs from "wal"
    // when the switch was impossible (e.g. a file system without shared
    // memory): readers would then block the writer, so refuse to run.
    if (!row || wal.Text(0) != "wal") {
      return Internal("sqlite: could not enable WAL journal mode (got '" +
                      std::string(row ? wal.Text(0) : "") + "')");
    }
  }
  WS_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
  // What is deleted is overwritten with zeros, not left in free space for
  // anyone with the file (a purged workspace's data key; docs/encryption.md).
  {
    WS_ASSIGN_OR_RETURN(Stmt secure, Prepare("PRAGMA secure_delete=ON"));  // answers the setting
    WS_RETURN_IF_ERROR(secure.Step().status());
  }
  WS_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
  if (options.query_only) WS_RETURN_IF_ERROR(Exec("PRAGMA query_only=ON"));
  return Status::Ok();
}

StatusOr<Stmt> SqliteConnection::Prepare(Sql sql) {
  // After an I/O error or a full disk SQLite rolls the transaction back by
  // itself: a caller ignoring that error would otherwise go on in autocommit
  // mode, each statement committing on its own.
  if (in_body_ && !TransactionOpen())
    return Internal("sqlite: the transaction was already rolled back");
  auto it = cache_.find(sql.text());
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v3(db(), sql.text(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStmtPtr stmt(raw);
    if (rc != SQLITE_OK) return StatusFromSqlite(db(), rc);
    if (!stmt) return Internal(std::string("sqlite: empty statement: ") + sql.text());
    auto impl = std::make_unique<SqliteStmt>(stmt.get());
    it = cache_.emplace(sql.text(), CachedStmt{std::move(stmt), std::move(impl)}).first;
  } else if (it->second.impl->busy()) {
    // Handing it out again would reset the first user's iteration under it.
    return Internal(std::string("sqlite: statement already in use: ") + sql.text());
  }
  return Stmt(it->second.impl.get());
}

Status SqliteConnection::Exec(Sql sql) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
  return stmt.Run();
}

Status SqliteConnection::ExecScript(const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db(), sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  // sqlite3_exec reports through its own buffer rather than sqlite3_errmsg.
  std::string message = std::string("sqlite: ") + (error != nullptr ? error : sqlite3_errstr(rc));
  sqlite3_free(error);
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || IsStorageFull(db(), rc))
    return StatusFromSqlite(db(), rc);
  return Internal(std::move(message));
}

Status SqliteConnection::InTransaction(Sql begin, FunctionRef<Status()> body) {
  // A transaction left open by an earlier failed ROLLBACK would make BEGIN
  // fail forever; end it first.
  if (TransactionOpen()) Rollback();
  WS_RETURN_IF_ERROR(Exec(begin));
  in_body_ = true;
  Status status = body();
  in_body_ = false;
  if (status.ok()) status = Exec("COMMIT");
  // Some errors (I/O, full disk) have already rolled SQLite back.
  if (!status.ok() && TransactionOpen()) Rollback();
  return status;
}

void SqliteConnection::Rollback() {
  const Status status = Exec("ROLLBACK");
  if (!status.ok()) log::Error("sqlite rollback failed", {{"error", status.message()}});
}

bool SqliteConnection::TransactionOpen() const { return sqlite3_get_autocommit(db()) == 0; }

}  // namespace workspaced::store
