// One SQLite connection (sqlite3*) with its cache of prepared statements.
//
// Ownership: owns the sqlite3 handle and every statement in the cache; a Stmt
// borrowed from Prepare must not outlive the connection.
// Thread-safety: none. The connection is opened without SQLite's own mutex
// (SQLITE_OPEN_NOMUTEX): whoever holds it — the writer mutex or a reader
// lease — is its only user.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "common/function_ref.h"
#include "common/status.h"
#include "store/sqlite_statement.h"

namespace workspaced::store {

struct ConnectionOptions {
  int busy_timeout_ms = 5000;
  // Readers refuse writes (PRAGMA query_only), so a Read callback that tries
  // to write fails instead of silently writing outside the writer's mutex.
  bool query_only = false;
  // Opens the file as it is, for reading only: nothing is created beside it
  // and no journal mode is set (the file's own, WAL, is used). `immutable`
  // too: SQLite then takes no lock and needs no -shm file, for a copy on
  // read-only media that nothing can be writing (SqliteReadOnlyOptions).
  bool read_only = false;
  bool immutable = false;
};

// A file: URI naming `path` (RFC 3986: what would end the path is escaped),
// opened read-only, and immutable when asked.
std::string SqliteReadOnlyUri(const std::string& path, bool immutable);

struct SqliteDbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteStmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
// A cached statement: the SQLite handle and its StmtImpl.
struct CachedStmt {
  std::unique_ptr<sqlite3_stmt, SqliteStmtFinalizer> handle;
  std::unique_ptr<SqliteStmt> impl;
};
using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteDbCloser>;
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteStmtFinalizer>;

class SqliteConnection final : public SqlConnection {
  struct OpenKey {};  // only Open constructs (through make_unique)

 public:
  // Opens or creates the database file and applies the per-connection
  // pragmas: WAL journal (verified), synchronous=FULL so a committed write
  // survives power loss, foreign keys on, busy timeout.
  // kInvalidArgument for an empty or ":memory:" path; kUnavailable when the
  // file is locked too long; kInternal otherwise.
  static StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                          const ConnectionOptions& options);

  // The cached statement for `sql`, prepared (persistently) on first use.
  // A statement cannot be borrowed twice at once: kInternal if it is still
  // mid-iteration (each use is scoped to one Tx method, so this is a bug).
  StatusOr<Stmt> Prepare(Sql sql) override;
  Dialect dialect() const override { return Dialect::kSqlite; }
  // Prepares (cached) and runs a statement without parameters or rows.
  Status Exec(Sql sql);
  // Runs several `;`-separated statements, uncached: migration scripts only.
  Status ExecScript(const char* sql);

  // Runs `body` between `begin` ("BEGIN" or "BEGIN IMMEDIATE") and COMMIT;
  // rolls back when `body` or COMMIT fails and returns that failure.
  Status InTransaction(Sql begin, FunctionRef<Status()> body);

  // True while a transaction is open (sqlite3_get_autocommit is false).
  bool TransactionOpen() const;
  sqlite3* db() const { return db_.get(); }

  SqliteConnection(OpenKey, SqliteDbPtr db) : db_(std::move(db)) {}

 private:
  Status ApplyPragmas(const ConnectionOptions& options);
  void Rollback();

  // Declared first so it is destroyed last, after every statement.
  SqliteDbPtr db_;
  // Keyed by the address of the SQL text (see Sql): one lookup, no hashing of
  // the text, no allocation once warm.
  std::unordered_map<const char*, CachedStmt> cache_;
  bool in_body_ = false;  // inside InTransaction's body
};

}  // namespace workspaced::store
