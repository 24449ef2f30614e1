// The secrets pillar's rows in a PostgreSQL cell: `table` is the
// schema-qualified secret_versions of the workspace's schema (a dedicated
// workspace's own, or `shared`; rows are scoped by workspace id in both, so
// one SQL serves both). Used by postgres_dataplane.cc on a connection it
// holds; each function is one transaction, and fails as CellConnection does.
#pragma once

#include "dataplane/dataplane.h"
#include "dataplane/postgres_cell_connection.h"

namespace workspaced::dataplane::postgres_secrets {

// CREATE TABLE / INDEX IF NOT EXISTS for `schema`'s secret_versions and
// its byte-order index (the pages').
std::string TableSql(const std::string& schema);
std::string IndexSql(const std::string& schema);
// Drops the index of the releases before secret_versions_shown.
std::string DropOldIndexSql(const std::string& schema);
std::string PendingIndexSql(const std::string& schema);
std::string OperationIndexSql(const std::string& schema);
// List's statement on `table` ($1 workspace, $2 name, $3 with values, $4/$5
// the key, $6 limit, $7 pending only; never a committed tombstone): for
// tests that EXPLAIN it.
std::string ListSql(const std::string& table);
StatusOr<NumberedSecret> AddPending(CellConnection& db, const std::string& table,
                                    const std::string& workspace_id, const SecretRow& row,
                                    FunctionRef<std::string(std::int64_t)> seal);
Status Commit(CellConnection& db, const std::string& table, const std::string& workspace_id,
              std::string_view operation_id, int keep_versions);
Status Discard(CellConnection& db, const std::string& table, const std::string& workspace_id,
               std::string_view operation_id);
StatusOr<std::vector<SecretRow>> List(CellConnection& db, const std::string& table,
                                      const std::string& workspace_id, const SecretRowQuery& query);

}  // namespace workspaced::dataplane::postgres_secrets
