// The data vault's rows in an embedded dataplane database (a dedicated
// workspace's file or shared.db; rows scoped by workspace id in both). Used
// by sqlite_dataplane.cc on a connection of its ConnectionCache; each function is one
// transaction (docs/vault.md).
#pragma once

#include <sqlite3.h>

#include "dataplane/dataplane.h"
#include "dataplane/sqlite_connection_cache.h"

namespace workspaced::dataplane::sqlite_vault {

// Creates the table when missing (idempotent).
Status EnsureTable(sqlite3* db);
Status AddPending(Connection& db, const std::string& workspace_id,
                  const std::vector<VaultRow>& rows);
Status Commit(Connection& db, const std::string& workspace_id, std::string_view operation_id);
Status Discard(Connection& db, const std::string& workspace_id, std::string_view operation_id);
StatusOr<std::vector<VaultRow>> List(Connection& db, const std::string& workspace_id,
                                     const VaultRowQuery& query);
// Removes every row of the workspace (its share of shared.db, on purge).
Status DeleteWorkspace(Connection& db, const std::string& workspace_id);

}  // namespace workspaced::dataplane::sqlite_vault
