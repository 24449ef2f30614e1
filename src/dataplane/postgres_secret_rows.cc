#include "dataplane/postgres_secret_rows.h"

namespace workspaced::dataplane::postgres_secrets {

std::string TableSql(const std::string& schema) {
  return "CREATE TABLE IF NOT EXISTS " + schema +
         ".secret_versions (workspace_id text NOT NULL, name text NOT NULL, version bigint NOT "
         "NULL, environment text NOT NULL, description text NOT NULL, sealed text NOT NULL, "
         "pending boolean NOT NULL, tombstone boolean NOT NULL, operation_id text NOT NULL, "
         "created_at bigint NOT NULL, created_by text NOT NULL, PRIMARY KEY (workspace_id, name, "
         "version))";
}

std::string IndexSql(const std::string& schema) {
  // Pages in byte order from their key on (a row comparison on it is an
  // index range; the primary key, in the database's collation, made every
  // page sort all the table's rows), of the rows a list may show: not a
  // deleted name's committed tombstone, which stays as its high-water mark
  // (a loop of PUT and DELETE left any number for every page to walk).
  return "CREATE INDEX IF NOT EXISTS secret_versions_shown ON " + schema +
         ".secret_versions (workspace_id, name COLLATE \"C\", version) WHERE NOT tombstone OR "
         "pending";
}

std::string DropOldIndexSql(const std::string& schema) {
  // (workspace_id, name, version) of every row, tombstones included: no
  // statement reads it since secret_versions_shown, and every write paid for it.
  return "DROP INDEX IF EXISTS " + schema + ".secret_versions_by_name";
}

std::string OperationIndexSql(const std::string& schema) {
  // A write's commit, discard and checks find its rows by operation id
  // (as the embedded cell's secret_versions_operation does): without it,
  // each was a scan of the whole table.
  return "CREATE INDEX IF NOT EXISTS secret_versions_operation ON " + schema +
         ".secret_versions (workspace_id, operation_id)";
}

std::string PendingIndexSql(const std::string& schema) {
  // The sweep's pages of pending rows (once a minute, every workspace) read
  // those alone.
  return "CREATE INDEX IF NOT EXISTS secret_versions_pending ON " + schema +
         ".secret_versions (workspace_id, name COLLATE \"C\", version) WHERE pending";
}

StatusOr<NumberedSecret> AddPending(CellConnection& db, const std::string& table,
                                    const std::string& workspace_id, const SecretRow& row,
                                    FunctionRef<std::string(std::int64_t)> seal) {
  NumberedSecret out;
  WS_RETURN_IF_ERROR(db.Transaction([&]() -> Status {
    // One writer per (workspace, name) at a time: the next version is free.
    WS_RETURN_IF_ERROR(
        db.ExecParams("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))",
                      {workspace_id, row.name}));
    WS_ASSIGN_OR_RETURN(PGresult * top, db.RunParams("SELECT version, tombstone FROM " + table +
                                                         " WHERE workspace_id = $1 AND name = $2 "
                                                         "ORDER BY version DESC LIMIT 1",
                                                     {workspace_id, row.name}));
    const bool any = Rows(top) > 0;
    out.version = any ? Int64(top, 0, 0) + 1 : 1;
    out.first = !any || Bool(top, 0, 1);
    Clear(top);
    const std::int64_t version = out.version;
    return db.ExecParams(
        "INSERT INTO " + table + " VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, $9, $10)",
        {workspace_id, row.name, std::to_string(version), row.environment, row.description,
         seal(version), row.tombstone ? "true" : "false", row.operation_id,
         std::to_string(row.created_at), row.created_by});
  }));
  return out;
}

Status Commit(CellConnection& db, const std::string& table, const std::string& workspace_id,
              std::string_view operation_id, int keep_versions) {
  const std::string op(operation_id);
  return db.Transaction([&]() -> Status {
    // One writer per (workspace, name) at a time, as AddPending: concurrent
    // commits of one name delete each other's old versions, and would
    // deadlock on their rows.
    WS_RETURN_IF_ERROR(
        db.ExecParams("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || name, 0)) FROM " +
                          table + " WHERE workspace_id = $1 AND operation_id = $2",
                      {workspace_id, op}));
    // A version that a delete numbered after it destroyed first goes (the
    // control plane counted it so: Tx::AddPillarItem).
    WS_RETURN_IF_ERROR(db.ExecParams(
        "DELETE FROM " + table +
            " t WHERE t.workspace_id = $1 AND t.operation_id = $2 AND NOT "
            "t.tombstone AND EXISTS (SELECT 1 FROM " +
            table +
            " d WHERE d.workspace_id = $1 AND d.name = t.name AND d.tombstone AND NOT "
            "d.pending AND d.version > t.version)",
        {workspace_id, op}));
    // The row is committed. A tombstone also deletes every committed
    // version below it and stays: the next version numbers on from it.
    WS_RETURN_IF_ERROR(db.ExecParams(
        "WITH op AS (SELECT name, version, tombstone FROM " + table +
            " WHERE workspace_id = $1 AND operation_id = $2), gone AS (DELETE FROM " + table +
            " t USING op WHERE op.tombstone AND t.workspace_id = $1 AND t.name = op.name AND "
            "t.version < op.version AND NOT t.pending) UPDATE " +
            table +
            " t SET pending = false FROM op WHERE t.workspace_id = $1 AND t.name = op.name AND "
            "t.version = op.version",
        {workspace_id, op}));
    // A version: the newest keep_versions committed versions of its name
    // stay (the update above is seen; none goes while fewer are there).
    return db.ExecParams(
        "DELETE FROM " + table +
            " t WHERE t.workspace_id = $1 AND NOT t.pending AND NOT t.tombstone AND t.name = "
            "(SELECT name FROM " +
            table +
            " WHERE workspace_id = $1 AND operation_id = $2 AND NOT tombstone) AND t.version < "
            "(SELECT version FROM " +
            table +
            " v WHERE v.workspace_id = $1 AND v.name = t.name AND NOT v.pending AND NOT "
            "v.tombstone ORDER BY v.version DESC LIMIT 1 OFFSET $3::int)",
        {workspace_id, op, std::to_string(keep_versions - 1)});
  });
}

Status Discard(CellConnection& db, const std::string& table, const std::string& workspace_id,
               std::string_view operation_id) {
  return db.ExecParams(
      "DELETE FROM " + table + " WHERE workspace_id = $1 AND operation_id = $2 AND pending",
      {workspace_id, std::string(operation_id)});
}

std::string ListSql(const std::string& table) {
  return "SELECT name, version, environment, description, CASE WHEN $3 THEN sealed ELSE '' END, "
         "pending, tombstone, operation_id, created_at, created_by FROM " +
         table +
         " WHERE workspace_id = $1 AND ($2 = '' OR name = $2) AND (NOT tombstone OR pending) AND "
         "(name COLLATE \"C\", version) > ($4, $5::bigint) AND (NOT $7::boolean OR pending) "
         "ORDER BY name COLLATE \"C\", version LIMIT NULLIF($6::bigint, 0)";
}

StatusOr<std::vector<SecretRow>> List(CellConnection& db, const std::string& table,
                                      const std::string& workspace_id,
                                      const SecretRowQuery& query) {
  WS_ASSIGN_OR_RETURN(
      PGresult * r,
      db.RunParams(ListSql(table),
                   {workspace_id, query.name, query.with_values ? "true" : "false",
                    query.after_name, std::to_string(query.after_version),
                    std::to_string(query.limit), query.pending_only ? "true" : "false"}));
  std::vector<SecretRow> rows;
  for (int i = 0; i < Rows(r); ++i) {
    SecretRow row;
    row.name = Text(r, i, 0);
    row.version = Int64(r, i, 1);
    row.environment = Text(r, i, 2);
    row.description = Text(r, i, 3);
    row.sealed = Text(r, i, 4);
    row.pending = Bool(r, i, 5);
    row.tombstone = Bool(r, i, 6);
    row.operation_id = Text(r, i, 7);
    row.created_at = Int64(r, i, 8);
    row.created_by = Text(r, i, 9);
    rows.push_back(std::move(row));
  }
  Clear(r);
  return rows;
}

}  // namespace workspaced::dataplane::postgres_secrets
