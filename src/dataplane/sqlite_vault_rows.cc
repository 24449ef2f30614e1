#include "dataplane/sqlite_vault_rows.h"

#include <algorithm>

#include "dataplane/sqlite_pillar_stmt.h"

namespace workspaced::dataplane::sqlite_vault {
using sqlite_pillar::Exec;
using sqlite_pillar::InTransaction;
using sqlite_pillar::RunDelete;
using sqlite_pillar::Stmt;

Status EnsureTable(sqlite3* db) {
  return Exec(db,
              "CREATE TABLE IF NOT EXISTS vault_fields (workspace_id TEXT NOT NULL, "
              "record_id TEXT NOT NULL, field TEXT NOT NULL, type TEXT NOT NULL, "
              "token TEXT NOT NULL, deterministic INTEGER NOT NULL, mask TEXT NOT NULL, "
              "sealed TEXT NOT NULL, pending INTEGER NOT NULL, tombstone INTEGER NOT NULL, "
              "operation_id TEXT NOT NULL, created_at INTEGER NOT NULL, created_by TEXT NOT NULL, "
              "PRIMARY KEY (workspace_id, record_id, field, operation_id)); "
              "DROP INDEX IF EXISTS vault_fields_token; "
              "CREATE INDEX IF NOT EXISTS vault_fields_by_token ON vault_fields "
              "(workspace_id, token, record_id, field, operation_id); "
              "CREATE INDEX IF NOT EXISTS vault_fields_operation ON vault_fields "
              "(workspace_id, operation_id); "
              "CREATE INDEX IF NOT EXISTS vault_fields_pending ON vault_fields "
              "(workspace_id, record_id, field, operation_id) WHERE pending = 1;");
}

Status AddPending(Connection& db, const std::string& workspace_id,
                  const std::vector<VaultRow>& rows) {
  return InTransaction(db, [&]() -> Status {
    for (const VaultRow& r : rows) {
      WS_ASSIGN_OR_RETURN(Stmt insert,
                          Stmt::Prepare(db,
                                        "INSERT INTO vault_fields VALUES (?1, ?2, ?3, ?4, ?5, "
                                        "?6, ?7, ?8, 1, ?9, ?10, ?11, ?12)"));
      WS_RETURN_IF_ERROR(insert.Text(workspace_id)
                             .Text(r.record_id)
                             .Text(r.field)
                             .Text(r.type)
                             .Text(r.token)
                             .Int(r.deterministic ? 1 : 0)
                             .Text(r.mask)
                             .Text(r.sealed)
                             .Int(r.tombstone ? 1 : 0)
                             .Text(r.operation_id)
                             .Int(r.created_at)
                             .Text(r.created_by)
                             .Run());
    }
    return Status::Ok();
  });
}

Status Commit(Connection& db, const std::string& workspace_id, std::string_view operation_id) {
  return InTransaction(db, [&]() -> Status {
    WS_ASSIGN_OR_RETURN(Stmt find, Stmt::Prepare(db,
                                                 "SELECT record_id, tombstone FROM "
                                                 "vault_fields WHERE workspace_id = ?1 AND "
                                                 "operation_id = ?2 LIMIT 1"));
    WS_ASSIGN_OR_RETURN(const bool found, find.Text(workspace_id).Text(operation_id).Step());
    if (!found) return Status::Ok();
    if (find.ColInt(1) == 0) {
      WS_ASSIGN_OR_RETURN(Stmt up, Stmt::Prepare(db,
                                                 "UPDATE vault_fields SET pending = 0 WHERE "
                                                 "workspace_id = ?1 AND operation_id = ?2"));
      return up.Text(workspace_id).Text(operation_id).Run();
    }
    WS_ASSIGN_OR_RETURN(Stmt del, Stmt::Prepare(db,
                                                "DELETE FROM vault_fields WHERE "
                                                "workspace_id = ?1 AND record_id = ?2 AND "
                                                "(operation_id = ?3 OR pending = 0)"));
    return RunDelete(db, del.Text(workspace_id).Text(find.Col(0)).Text(operation_id));
  });
}

Status Discard(Connection& db, const std::string& workspace_id, std::string_view operation_id) {
  WS_ASSIGN_OR_RETURN(Stmt del, Stmt::Prepare(db,
                                              "DELETE FROM vault_fields WHERE "
                                              "workspace_id = ?1 AND operation_id = ?2 AND "
                                              "pending = 1"));
  return RunDelete(db, del.Text(workspace_id).Text(operation_id));
}

#define WS_VAULT_COLUMNS                                                          \
  "SELECT record_id, field, type, token, deterministic, mask, CASE WHEN ?3 THEN " \
  "sealed ELSE '' END, pending, tombstone, operation_id, created_at, created_by " \
  "FROM vault_fields "

StatusOr<std::vector<VaultRow>> List(Connection& db, const std::string& workspace_id,
                                     const VaultRowQuery& query) {
  // One statement per way in, each walking its index (a statement of
  // `?2 = '' OR record_id = ?2` form read the workspace's every row: SQLite
  // plans before the parameters are bound).
  std::vector<VaultRow> rows;
  const auto read = [&](Stmt& q, bool to_first_committed) -> Status {
    for (;;) {
      WS_ASSIGN_OR_RETURN(const bool more, q.Step());
      if (!more) return Status::Ok();
      VaultRow& r = rows.emplace_back();
      r.record_id = q.Col(0);
      r.field = q.Col(1);
      r.type = q.Col(2);
      r.token = q.Col(3);
      r.deterministic = q.ColInt(4) != 0;
      r.mask = q.Col(5);
      r.sealed = q.Col(6);
      r.pending = q.ColInt(7) != 0;
      r.tombstone = q.ColInt(8) != 0;
      r.operation_id = q.Col(9);
      r.created_at = q.ColInt(10);
      r.created_by = q.Col(11);
      if (to_first_committed && !r.pending) return Status::Ok();
    }
  };
  if (!query.tokens.empty()) {
    // A token's rows in record order, up to its first committed one (what
    // a detokenize answers; pending ones before it are the domain's to
    // resolve): a deterministic token shared by many records reads one.
    // One snapshot for all of them.
    WS_RETURN_IF_ERROR(InTransaction(
        db,
        [&]() -> Status {
          for (const std::string& token : query.tokens) {
            WS_ASSIGN_OR_RETURN(
                Stmt q, Stmt::Prepare(db, WS_VAULT_COLUMNS
                                      "INDEXED BY vault_fields_by_token WHERE workspace_id = ?1 "
                                      "AND token = ?2 ORDER BY record_id, field, operation_id"));
            q.Text(workspace_id).Text(token).Int(query.with_values ? 1 : 0);
            WS_RETURN_IF_ERROR(read(q, true));
          }
          return Status::Ok();
        },
        "BEGIN"));
    std::ranges::sort(rows, InRecordOrder);
    return rows;
  }
  // The sweep's pages of pending rows walk the index of those alone.
  WS_ASSIGN_OR_RETURN(
      Stmt q,
      !query.record_id.empty()
          ? Stmt::Prepare(db, WS_VAULT_COLUMNS
                          "WHERE workspace_id = ?1 AND record_id = ?2 AND (?7 = 0 OR pending = 1) "
                          "ORDER BY record_id, field, operation_id LIMIT ?6")
      : query.pending_only
          ? Stmt::Prepare(db, WS_VAULT_COLUMNS
                          "INDEXED BY vault_fields_pending WHERE workspace_id = ?1 AND pending = "
                          "1 AND (record_id > ?4 OR (record_id = ?4 AND field > ?5)) "
                          "ORDER BY record_id, field, operation_id LIMIT ?6")
          : Stmt::Prepare(db, WS_VAULT_COLUMNS
                          "WHERE workspace_id = ?1 AND (record_id > ?4 OR (record_id = ?4 AND "
                          "field > ?5)) ORDER BY record_id, field, operation_id LIMIT ?6"));
  q.Text(workspace_id)
      .Text(query.record_id)
      .Int(query.with_values ? 1 : 0)
      .Text(query.after_record_id)
      .Text(query.after_field)
      .Int(query.limit > 0 ? query.limit : -1)  // SQLite: a negative LIMIT is none
      .Int(query.pending_only ? 1 : 0);
  WS_RETURN_IF_ERROR(read(q, false));
  return rows;
}

#undef WS_VAULT_COLUMNS

Status DeleteWorkspace(Connection& db, const std::string& workspace_id) {
  WS_RETURN_IF_ERROR(EnsureTable(db.db()));
  WS_ASSIGN_OR_RETURN(Stmt del,
                      Stmt::Prepare(db, "DELETE FROM vault_fields WHERE workspace_id = ?1"));
  return RunDelete(db, del.Text(workspace_id));
}

}  // namespace workspaced::dataplane::sqlite_vault
