// Account quotas and the usage they are compared with. A NULL limit is
// unlimited (model::AccountQuotas' nullopt); there is no NULL binding, so the
// SQL turns -1 (and an empty region list's text) into NULL.
#include <boost/json.hpp>

#include "store/sql_tx.h"

namespace workspaced::store {
namespace {

constexpr std::int64_t kUnlimited = -1;

StatusOr<std::vector<std::string>> DecodeRegions(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const boost::json::array* a = ec ? nullptr : v.if_array();
  if (a == nullptr) return Internal("account_quotas.allowed_regions is not a JSON array");
  std::vector<std::string> out;
  for (const auto& e : *a) {
    if (!e.is_string()) return Internal("account_quotas.allowed_regions has a non-string entry");
    out.emplace_back(e.as_string());
  }
  return out;
}

// The row of a quotas SELECT or RETURNING (columns as below), if any.
StatusOr<std::optional<model::AccountQuotas>> ReadQuotas(Stmt& stmt, std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<model::AccountQuotas>();
  model::AccountQuotas q;
  q.account_id = std::string(account_id);
  if (!stmt.IsNull(0)) q.workspaces = stmt.Int(0);
  if (!stmt.IsNull(1)) q.members_per_workspace = stmt.Int(1);
  if (!stmt.IsNull(2)) {
    WS_ASSIGN_OR_RETURN(q.regions, DecodeRegions(stmt.Text(2)));
  }
  q.updated_at = stmt.Int(3);
  q.updated_by = stmt.String(4);
  if (!stmt.IsNull(5)) q.secrets_per_workspace = stmt.Int(5);
  if (!stmt.IsNull(6)) q.vault_records_per_workspace = stmt.Int(6);
  return std::optional<model::AccountQuotas>(std::move(q));
}

}  // namespace

StatusOr<std::optional<model::AccountQuotas>> SqlTx::GetAccountQuotas(std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT max_workspaces, max_members_per_workspace, allowed_regions, "
                              "updated_at, updated_by, max_secrets_per_workspace, "
                              "max_vault_records_per_workspace FROM "
                              "account_quotas WHERE account_id = ?1"));
  return ReadQuotas(stmt.Bind(account_id), account_id);
}

StatusOr<std::optional<model::AccountQuotas>> SqlTx::LockAccountQuotas(
    std::string_view account_id) {
  // A write, not SELECT … FOR UPDATE: under REPEATABLE READ only a row
  // changed (not merely locked) by a transaction that committed after our
  // snapshot makes PostgreSQL cancel us, and we must be cancelled to count
  // again what that transaction created.
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("UPDATE account_quotas SET updated_at = updated_at WHERE account_id = ?1 "
                         "RETURNING max_workspaces, max_members_per_workspace, allowed_regions, "
                         "updated_at, updated_by, max_secrets_per_workspace, "
                         "max_vault_records_per_workspace"));
  WS_ASSIGN_OR_RETURN(auto quotas, ReadQuotas(stmt.Bind(account_id), account_id));
  if (quotas || conn_.dialect() != Dialect::kPostgres) return quotas;
  // No row to lock: the account's row is share-locked instead. A first
  // quota row committed since our snapshot rewrote it (PutAccountQuotas),
  // which cancels us (REPEATABLE READ: a concurrent update), and the create
  // runs again under the new limit; creates share the lock among
  // themselves, and a quota write waits for those in flight.
  WS_ASSIGN_OR_RETURN(Stmt share, Prepare("SELECT 1 FROM accounts WHERE id = ?1 FOR SHARE"));
  WS_RETURN_IF_ERROR(share.Bind(account_id).Step().status());
  return quotas;
}

Status SqlTx::PutAccountQuotas(const model::AccountQuotas& q) {
  if (conn_.dialect() == Dialect::kPostgres) {
    // Creates of an account without quotas share-lock its row
    // (LockAccountQuotas): rewriting it waits for those in flight and
    // cancels those whose snapshot is older than this write.
    WS_ASSIGN_OR_RETURN(Stmt touch, Prepare("UPDATE accounts SET name = name WHERE id = ?1"));
    WS_RETURN_IF_ERROR(touch.Bind(q.account_id).Run());
  }
  const std::string regions =
      q.regions ? boost::json::serialize(boost::json::value_from(*q.regions)) : "";
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("INSERT INTO account_quotas (account_id, max_workspaces, max_members_per_workspace, "
              "allowed_regions, updated_at, updated_by, max_secrets_per_workspace, "
              "max_vault_records_per_workspace) VALUES (?1, NULLIF(?2, -1), NULLIF(?3, -1), "
              "NULLIF(?4, ''), ?5, ?6, NULLIF(?7, -1), NULLIF(?8, -1)) ON "
              "CONFLICT (account_id) DO UPDATE SET "
              "max_workspaces = excluded.max_workspaces, max_members_per_workspace = "
              "excluded.max_members_per_workspace, allowed_regions = excluded.allowed_regions, "
              "updated_at = excluded.updated_at, updated_by = excluded.updated_by, "
              "max_secrets_per_workspace = excluded.max_secrets_per_workspace, "
              "max_vault_records_per_workspace = excluded.max_vault_records_per_workspace"));
  return stmt
      .Bind(q.account_id, q.workspaces.value_or(kUnlimited),
            q.members_per_workspace.value_or(kUnlimited), regions, q.updated_at, q.updated_by,
            q.secrets_per_workspace.value_or(kUnlimited),
            q.vault_records_per_workspace.value_or(kUnlimited))
      .Run(ConstraintErrors().OnForeignKey(Code::kNotFound, "account not found"));
}

StatusOr<std::int64_t> SqlTx::CountWorkspaces(std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT COUNT(*) FROM workspaces WHERE account_id = ?1 "
                                         "AND status <> 'purged'"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(account_id).Step());
  return row ? stmt.Int(0) : 0;
}

StatusOr<std::int64_t> SqlTx::LargestWorkspaceMembership(std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM "
                              "workspace_members m JOIN workspaces w ON w.id = m.workspace_id "
                              "WHERE w.account_id = ?1 GROUP BY m.workspace_id) counts"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(account_id).Step());
  return row ? stmt.Int(0) : 0;
}

StatusOr<std::int64_t> SqlTx::LargestPillarCount(std::string_view account_id,
                                                 std::string_view pillar) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT COALESCE(MAX(c.items), 0) FROM pillar_counts c JOIN workspaces w ON "
              "w.id = c.workspace_id WHERE w.account_id = ?1 AND w.status <> 'purged' AND "
              "c.pillar = ?2"));
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Bind(account_id, pillar).Step());
  return row ? stmt.Int(0) : 0;
}

StatusOr<std::vector<std::string>> SqlTx::RegionsInUse(std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT DISTINCT region FROM workspaces "
                                         "WHERE account_id = ?1 AND status <> 'purged' "
                                         "ORDER BY region"));
  stmt.Bind(account_id);
  std::vector<std::string> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return out;
    out.push_back(stmt.String(0));
  }
}

}  // namespace workspaced::store
