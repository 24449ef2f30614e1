// The secrets pillar's rows in an embedded dataplane database (a dedicated
// workspace's file or shared.db; rows are scoped by workspace id in both, so
// one SQL serves both). Used by sqlite_dataplane.cc on a connection it
// opened; each function is one transaction.
#pragma once

#include <sqlite3.h>

#include "dataplane/dataplane.h"

namespace workspaced::dataplane::sqlite_secrets {

// Creates the table when missing (idempotent).
Status EnsureTable(sqlite3* db);
StatusOr<std::int64_t> AddPending(sqlite3* db, const std::string& workspace_id,
                                  const SecretRow& row,
                                  FunctionRef<std::string(std::int64_t)> seal);
Status Commit(sqlite3* db, const std::string& workspace_id, std::string_view operation_id);
Status Discard(sqlite3* db, const std::string& workspace_id, std::string_view operation_id);
StatusOr<std::vector<SecretRow>> List(sqlite3* db, const std::string& workspace_id,
                                      const SecretRowQuery& query);

}  // namespace workspaced::dataplane::sqlite_secrets
