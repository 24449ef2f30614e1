// The secrets pillar's rows in an embedded dataplane database (a dedicated
// workspace's file or shared.db; rows are scoped by workspace id in both, so
// one SQL serves both). Used by sqlite_dataplane.cc on a connection of its
// cache (statements prepared once per connection); each function is one
// transaction.
#pragma once

#include <sqlite3.h>

#include "dataplane/dataplane.h"
#include "dataplane/sqlite_connection_cache.h"

namespace workspaced::dataplane::sqlite_secrets {

// Creates the table when missing (idempotent).
Status EnsureTable(sqlite3* db);
StatusOr<NumberedSecret> AddPending(Connection& db, const std::string& workspace_id,
                                  const SecretRow& row,
                                  FunctionRef<std::string(std::int64_t)> seal);
Status Commit(Connection& db, const std::string& workspace_id, std::string_view operation_id,
              int keep_versions);
Status Discard(Connection& db, const std::string& workspace_id, std::string_view operation_id);
StatusOr<std::vector<SecretRow>> List(Connection& db, const std::string& workspace_id,
                                      const SecretRowQuery& query);

}  // namespace workspaced::dataplane::sqlite_secrets
