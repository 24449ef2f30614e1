#include "store/schema_check.h"

namespace workspaced::store {
namespace {

// Every table the code reads or writes, as the migrations create them.
// clang-format off
constexpr const char* kTables[] = {
    "meta", "accounts", "account_members", "workspaces", "workspace_group_mappings",
    "environments", "workspace_members", "provisioning_runs", "provisioning_steps",
    "idempotency_keys", "relationships", "relationship_outbox", "audit_events",
    "audit_chain_heads", "leases", "workspace_data_keys", "pillar_operations",
    "pillar_items", "pillar_counts"};
// clang-format on

}  // namespace

StatusOr<std::string> SchemaGap(SqlConnection& conn, int applied, int latest) {
  // A newer schema is a newer binary's upgrade in progress: its tables are
  // a superset of these (migrations only add), checked below.
  if (applied < latest) {
    return "schema version " + std::to_string(applied) + " where this binary needs " +
           std::to_string(latest);
  }
  std::string missing;
  for (const char* table : kTables) {
    WS_ASSIGN_OR_RETURN(Stmt stmt,
                        conn.Prepare(conn.dialect() == Dialect::kSqlite
                                         ? Sql("SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                                               "AND name = ?1")
                                         : Sql("SELECT 1 WHERE to_regclass(?1) IS NOT NULL")));
    WS_ASSIGN_OR_RETURN(const bool present, stmt.Bind(table).Step());
    if (present) continue;
    missing += missing.empty() ? "missing table " : ", ";
    missing += table;
  }
  return missing;
}

}  // namespace workspaced::store
