// The data vault's rows in a PostgreSQL cell (docs/vault.md): `table` is the
// schema-qualified vault_fields of the workspace's schema, scoped by
// workspace id as postgres_secret_rows.h's. Each function is one
// transaction, and fails as CellConnection does.
#pragma once

#include "dataplane/dataplane.h"
#include "dataplane/postgres_cell_connection.h"

namespace workspaced::dataplane::postgres_vault {

// CREATE TABLE / INDEX IF NOT EXISTS for `schema`'s vault_fields and its
// token index; the drop of the token index of releases before.
std::string TableSql(const std::string& schema);
std::string IndexSql(const std::string& schema);
std::string RecordIndexSql(const std::string& schema);
std::string PendingIndexSql(const std::string& schema);
std::string OperationIndexSql(const std::string& schema);
// List's statement on `table` for a record or a page ($1 workspace, $2
// record, $3 with values, $4/$5 the key, $6 limit, $7 pending only): for
// tests that EXPLAIN it.
std::string ListSql(const std::string& table);
std::string DropOldIndexSql(const std::string& schema);
Status AddPending(CellConnection& db, const std::string& table, const std::string& workspace_id,
                  const std::vector<VaultRow>& rows);
Status Commit(CellConnection& db, const std::string& table, const std::string& workspace_id,
              std::string_view operation_id);
Status Discard(CellConnection& db, const std::string& table, const std::string& workspace_id,
               std::string_view operation_id);
StatusOr<std::vector<VaultRow>> List(CellConnection& db, const std::string& table,
                                     const std::string& workspace_id, const VaultRowQuery& query);

}  // namespace workspaced::dataplane::postgres_vault
