#include "dataplane/sqlite_secret_rows.h"

#include "dataplane/sqlite_pillar_stmt.h"

namespace workspaced::dataplane::sqlite_secrets {
using sqlite_pillar::Exec;
using sqlite_pillar::Failed;
using sqlite_pillar::InTransaction;
using sqlite_pillar::RunDelete;
using sqlite_pillar::Stmt;

Status EnsureTable(sqlite3* db) {
  if (sqlite3_exec(db,
                   "CREATE TABLE IF NOT EXISTS secret_versions (workspace_id TEXT NOT NULL, "
                   "name TEXT NOT NULL, version INTEGER NOT NULL, environment TEXT NOT NULL, "
                   "description TEXT NOT NULL, sealed TEXT NOT NULL, pending INTEGER NOT NULL, "
                   "tombstone INTEGER NOT NULL, operation_id TEXT NOT NULL, created_at INTEGER NOT "
                   "NULL, created_by TEXT NOT NULL, PRIMARY KEY (workspace_id, name, version)); "
                   "CREATE INDEX IF NOT EXISTS secret_versions_operation ON secret_versions "
                   "(workspace_id, operation_id); "
                   "CREATE INDEX IF NOT EXISTS secret_versions_pending ON secret_versions "
                   "(workspace_id, name, version) WHERE pending = 1; "
                   "CREATE INDEX IF NOT EXISTS secret_versions_shown ON secret_versions "
                   "(workspace_id, name, version) WHERE tombstone = 0 OR pending = 1;",
                   nullptr, nullptr, nullptr) != SQLITE_OK)
    return Failed(db);
  return Status::Ok();
}

StatusOr<NumberedSecret> AddPending(Connection& db, const std::string& workspace_id,
                                    const SecretRow& row,
                                    FunctionRef<std::string(std::int64_t)> seal) {
  NumberedSecret out;
  WS_RETURN_IF_ERROR(InTransaction(db, [&]() -> Status {
    WS_ASSIGN_OR_RETURN(Stmt top, Stmt::Prepare(db,
                                                "SELECT version, tombstone FROM "
                                                "secret_versions WHERE workspace_id = ?1 "
                                                "AND name = ?2 ORDER BY version DESC LIMIT 1"));
    WS_ASSIGN_OR_RETURN(const bool any, top.Text(workspace_id).Text(row.name).Step());
    out.version = any ? top.ColInt(0) + 1 : 1;
    out.first = !any || top.ColInt(1) != 0;
    const std::int64_t version = out.version;
    std::string sealed = seal(version);
    WS_ASSIGN_OR_RETURN(
        Stmt insert,
        Stmt::Prepare(db,
                      "INSERT INTO secret_versions VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, "
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
  return out;
}

Status Commit(Connection& db, const std::string& workspace_id, std::string_view operation_id,
              int keep_versions) {
  return InTransaction(db, [&]() -> Status {
    WS_ASSIGN_OR_RETURN(Stmt find, Stmt::Prepare(db,
                                                 "SELECT name, version, tombstone FROM "
                                                 "secret_versions WHERE workspace_id = ?1 "
                                                 "AND operation_id = ?2"));
    WS_ASSIGN_OR_RETURN(const bool found, find.Text(workspace_id).Text(operation_id).Step());
    if (!found) return Status::Ok();
    const std::string name = find.Col(0);
    const std::int64_t version = find.ColInt(1);
    if (find.ColInt(2) == 0) {
      // A delete numbered after it committed first: the version is one it
      // destroys (the control plane counted it so: Tx::AddPillarItem).
      WS_ASSIGN_OR_RETURN(Stmt later, Stmt::Prepare(db,
                                                    "SELECT 1 FROM secret_versions WHERE "
                                                    "workspace_id = ?1 AND name = ?2 AND "
                                                    "tombstone = 1 AND pending = 0 AND "
                                                    "version > ?3 LIMIT 1"));
      WS_ASSIGN_OR_RETURN(const bool deleted_since,
                          later.Text(workspace_id).Text(name).Int(version).Step());
      if (deleted_since) {
        WS_ASSIGN_OR_RETURN(Stmt gone, Stmt::Prepare(db,
                                                     "DELETE FROM secret_versions WHERE "
                                                     "workspace_id = ?1 AND name = ?2 AND "
                                                     "version = ?3"));
        return RunDelete(db, gone.Text(workspace_id).Text(name).Int(version));
      }
      WS_ASSIGN_OR_RETURN(Stmt up, Stmt::Prepare(db,
                                                 "UPDATE secret_versions SET pending = 0 "
                                                 "WHERE workspace_id = ?1 AND name = ?2 AND "
                                                 "version = ?3"));
      WS_RETURN_IF_ERROR(up.Text(workspace_id).Text(name).Int(version).Run());
      // The newest keep_versions committed versions stay (none is deleted
      // while fewer are there: the bound is NULL).
      WS_ASSIGN_OR_RETURN(
          Stmt prune,
          Stmt::Prepare(db,
                        "DELETE FROM secret_versions WHERE workspace_id = ?1 AND name = ?2 AND "
                        "pending = 0 AND tombstone = 0 AND version < (SELECT version FROM "
                        "secret_versions WHERE workspace_id = ?1 AND name = ?2 AND pending = 0 "
                        "AND tombstone = 0 ORDER BY version DESC LIMIT 1 OFFSET ?3)"));
      return RunDelete(db, prune.Text(workspace_id).Text(name).Int(keep_versions - 1));
    }
    // The tombstone stays, committed: the next version numbers on from it.
    WS_ASSIGN_OR_RETURN(Stmt del, Stmt::Prepare(db,
                                                "DELETE FROM secret_versions WHERE "
                                                "workspace_id = ?1 AND name = ?2 AND "
                                                "version < ?3 AND pending = 0"));
    WS_RETURN_IF_ERROR(RunDelete(db, del.Text(workspace_id).Text(name).Int(version)));
    WS_ASSIGN_OR_RETURN(Stmt up, Stmt::Prepare(db,
                                               "UPDATE secret_versions SET pending = 0 "
                                               "WHERE workspace_id = ?1 AND name = ?2 AND "
                                               "version = ?3"));
    return up.Text(workspace_id).Text(name).Int(version).Run();
  });
}

Status Discard(Connection& db, const std::string& workspace_id, std::string_view operation_id) {
  WS_ASSIGN_OR_RETURN(Stmt del, Stmt::Prepare(db,
                                              "DELETE FROM secret_versions WHERE "
                                              "workspace_id = ?1 AND operation_id = ?2 AND "
                                              "pending = 1"));
  return RunDelete(db, del.Text(workspace_id).Text(operation_id));
}

StatusOr<std::vector<SecretRow>> List(Connection& db, const std::string& workspace_id,
                                      const SecretRowQuery& query) {
  // A name's versions through the key; a page from its key on (a statement
  // of `?2 = '' OR name = ?2` form read every name after the key: SQLite
  // plans before the parameters are bound).
#define WS_SECRET_COLUMNS                                                                  \
  "SELECT name, version, environment, description, CASE WHEN ?3 THEN sealed ELSE '' END, " \
  "pending, tombstone, operation_id, created_at, created_by FROM secret_versions "
  // The sweep's pages of pending rows walk the index of those alone, not
  // every row of the workspace once a minute.
  WS_ASSIGN_OR_RETURN(
      Stmt q, !query.name.empty()
                  ? Stmt::Prepare(db, WS_SECRET_COLUMNS
                                  "WHERE workspace_id = ?1 AND name = ?2 AND "
                                  "(?7 = 0 OR pending = 1) ORDER BY name, version LIMIT ?6")
              : query.pending_only
                  ? Stmt::Prepare(db, WS_SECRET_COLUMNS
                                  "INDEXED BY secret_versions_pending WHERE workspace_id = ?1 "
                                  "AND pending = 1 AND (name > ?4 OR (name = ?4 AND version > "
                                  "?5)) ORDER BY name, version LIMIT ?6")
                  // A page: the rows a list may show (not a deleted name's
                  // committed tombstone, which stays as its high-water mark:
                  // a loop of PUT and DELETE left any number for every page
                  // to walk).
                  : Stmt::Prepare(db, WS_SECRET_COLUMNS
                                  "INDEXED BY secret_versions_shown WHERE workspace_id = ?1 AND "
                                  "(tombstone = 0 OR pending = 1) AND (name > ?4 OR (name = ?4 "
                                  "AND version > ?5)) ORDER BY name, version LIMIT ?6"));
#undef WS_SECRET_COLUMNS
  q.Text(workspace_id)
      .Text(query.name)
      .Int(query.with_values ? 1 : 0)
      .Text(query.after_name)
      .Int(query.after_version)
      .Int(query.limit > 0 ? query.limit : -1)  // SQLite: a negative LIMIT is none
      .Int(query.pending_only ? 1 : 0);
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
