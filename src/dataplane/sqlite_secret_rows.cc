#include "dataplane/sqlite_secret_rows.h"

#include <memory>
#include <utility>

namespace workspaced::dataplane::sqlite_secrets {
namespace {

Status Failed(sqlite3* db) {
  return Unavailable(std::string("dataplane: ") + sqlite3_errmsg(db))
      .WithCause(Cause::kDataplaneFailed);
}

// A statement of the connection's cache whose ?1, ?2, … are bound in
// order; reset (and unbound) when it goes out of scope, ready for the next.
class Stmt {
 public:
  static StatusOr<Stmt> Prepare(Connection& conn, const char* sql) {
    WS_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn.Statement(sql));
    return Stmt(conn.db(), s);
  }
  Stmt(Stmt&& other) noexcept
      : db_(other.db_), s_(std::exchange(other.s_, nullptr)), n_(other.n_) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (s_ == nullptr) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt& Text(std::string_view v) {
    sqlite3_bind_text(s_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Int(std::int64_t v) {
    sqlite3_bind_int64(s_, ++n_, v);
    return *this;
  }
  StatusOr<bool> Step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Failed(db_);
  }
  Status Run() { return Step().status(); }
  std::string Col(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, sqlite3_column_bytes(s_, i)) : std::string();
  }
  std::int64_t ColInt(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  sqlite3* db_;
  sqlite3_stmt* s_;
  int n_ = 0;
};

Status Exec(Connection& conn, const char* sql) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(conn, sql));
  return stmt.Run();
}

// Runs `fn` in BEGIN IMMEDIATE … COMMIT (one writer at a time), rolled back
// unless it returns OK.
template <typename Fn>
Status InTransaction(Connection& db, Fn&& fn) {
  WS_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  const Status s = fn();
  if (!s.ok()) {
    (void)Exec(db, "ROLLBACK");
    return s;
  }
  const Status c = Exec(db, "COMMIT");
  if (!c.ok()) (void)Exec(db, "ROLLBACK");
  return c;
}

}  // namespace

Status EnsureTable(sqlite3* db) {
  if (sqlite3_exec(db,
                   "CREATE TABLE IF NOT EXISTS secret_versions (workspace_id TEXT NOT NULL, "
                   "name TEXT NOT NULL, version INTEGER NOT NULL, environment TEXT NOT NULL, "
                   "description TEXT NOT NULL, sealed TEXT NOT NULL, pending INTEGER NOT NULL, "
                   "tombstone INTEGER NOT NULL, operation_id TEXT NOT NULL, created_at INTEGER NOT "
                   "NULL, created_by TEXT NOT NULL, PRIMARY KEY (workspace_id, name, version)); "
                   "CREATE INDEX IF NOT EXISTS secret_versions_operation ON secret_versions "
                   "(workspace_id, operation_id);",
                   nullptr, nullptr, nullptr) != SQLITE_OK)
    return Failed(db);
  return Status::Ok();
}

StatusOr<std::int64_t> AddPending(Connection& db, const std::string& workspace_id,
                                  const SecretRow& row,
                                  FunctionRef<std::string(std::int64_t)> seal) {
  std::int64_t version = 0;
  WS_RETURN_IF_ERROR(InTransaction(db, [&]() -> Status {
    WS_ASSIGN_OR_RETURN(Stmt max, Stmt::Prepare(db, "SELECT COALESCE(MAX(version), 0) FROM "
                                                    "secret_versions WHERE workspace_id = ?1 "
                                                    "AND name = ?2"));
    WS_RETURN_IF_ERROR(max.Text(workspace_id).Text(row.name).Step().status());
    version = max.ColInt(0) + 1;
    std::string sealed = seal(version);
    WS_ASSIGN_OR_RETURN(
        Stmt insert,
        Stmt::Prepare(db, "INSERT INTO secret_versions VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, "
                          "?8, ?9, ?10)"));
    return insert.Text(workspace_id)
        .Text(row.name)
        .Int(version)
        .Text(row.environment)
        .Text(row.description)
        .Text(sealed)
        .Int(row.tombstone ? 1 : 0)
        .Text(row.operation_id)
        .Int(row.created_at)
        .Text(row.created_by)
        .Run();
  }));
  return version;
}

Status Commit(Connection& db, const std::string& workspace_id, std::string_view operation_id) {
  return InTransaction(db, [&]() -> Status {
    WS_ASSIGN_OR_RETURN(Stmt find, Stmt::Prepare(db, "SELECT name, version, tombstone FROM "
                                                     "secret_versions WHERE workspace_id = ?1 "
                                                     "AND operation_id = ?2"));
    WS_ASSIGN_OR_RETURN(const bool found, find.Text(workspace_id).Text(operation_id).Step());
    if (!found) return Status::Ok();
    const std::string name = find.Col(0);
    const std::int64_t version = find.ColInt(1);
    if (find.ColInt(2) == 0) {
      WS_ASSIGN_OR_RETURN(Stmt up, Stmt::Prepare(db, "UPDATE secret_versions SET pending = 0 "
                                                     "WHERE workspace_id = ?1 AND name = ?2 AND "
                                                     "version = ?3"));
      return up.Text(workspace_id).Text(name).Int(version).Run();
    }
    WS_ASSIGN_OR_RETURN(Stmt del, Stmt::Prepare(db, "DELETE FROM secret_versions WHERE "
                                                    "workspace_id = ?1 AND name = ?2 AND "
                                                    "(version = ?3 OR (version < ?3 AND "
                                                    "pending = 0))"));
    return del.Text(workspace_id).Text(name).Int(version).Run();
  });
}

Status Discard(Connection& db, const std::string& workspace_id, std::string_view operation_id) {
  WS_ASSIGN_OR_RETURN(Stmt del, Stmt::Prepare(db, "DELETE FROM secret_versions WHERE "
                                                  "workspace_id = ?1 AND operation_id = ?2 AND "
                                                  "pending = 1"));
  return del.Text(workspace_id).Text(operation_id).Run();
}

StatusOr<std::vector<SecretRow>> List(Connection& db, const std::string& workspace_id,
                                      const SecretRowQuery& query) {
  WS_ASSIGN_OR_RETURN(Stmt q,
                      Stmt::Prepare(db,
                                    "SELECT name, version, environment, description, "
                                    "CASE WHEN ?3 THEN sealed ELSE '' END, pending, tombstone, "
                                    "operation_id, created_at, created_by FROM secret_versions "
                                    "WHERE workspace_id = ?1 AND (?2 = '' OR name = ?2) "
                                    "AND (name > ?4 OR (name = ?4 AND version > ?5)) "
                                    "ORDER BY name, version LIMIT ?6"));
  q.Text(workspace_id)
      .Text(query.name)
      .Int(query.with_values ? 1 : 0)
      .Text(query.after_name)
      .Int(query.after_version)
      .Int(query.limit > 0 ? query.limit : -1);  // SQLite: a negative LIMIT is none
  std::vector<SecretRow> rows;
  for (;;) {
    WS_ASSIGN_OR_RETURN(const bool more, q.Step());
    if (!more) break;
    SecretRow r;
    r.name = q.Col(0);
    r.version = q.ColInt(1);
    r.environment = q.Col(2);
    r.description = q.Col(3);
    r.sealed = q.Col(4);
    r.pending = q.ColInt(5) != 0;
    r.tombstone = q.ColInt(6) != 0;
    r.operation_id = q.Col(7);
    r.created_at = q.ColInt(8);
    r.created_by = q.Col(9);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace workspaced::dataplane::sqlite_secrets
