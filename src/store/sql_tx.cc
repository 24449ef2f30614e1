// Accounts, environments, memberships and metadata. Every caller value is a
// bound parameter; SQL text is compile-time constant (see Sql).
#include "store/sql_tx.h"

#include <boost/json.hpp>

#include "model/relationships.h"
#include "store/sql_decode.h"

namespace workspaced::store {

StatusOr<Stmt> SqlTx::Prepare(Sql sql) { return conn_.Prepare(sql); }

// --- accounts ---

namespace {

std::string EncodeIssuers(const std::vector<model::TrustedIssuer>& issuers) {
  boost::json::array out;
  for (const auto& t : issuers) out.push_back({{"issuer", t.issuer}, {"org", t.org}});
  return boost::json::serialize(out);
}

StatusOr<std::vector<model::TrustedIssuer>> DecodeIssuers(std::string_view text) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const boost::json::array* a = ec ? nullptr : v.if_array();
  if (a == nullptr) return Internal("accounts.trusted_issuers is not a JSON array");
  std::vector<model::TrustedIssuer> out;
  for (const auto& e : *a) {
    const boost::json::object* o = e.if_object();
    const boost::json::value* iss = o ? o->if_contains("issuer") : nullptr;
    const boost::json::value* org = o ? o->if_contains("org") : nullptr;
    if (iss == nullptr || !iss->is_string() || (org != nullptr && !org->is_string()))
      return Internal("accounts.trusted_issuers has a malformed entry");
    out.push_back({std::string(iss->as_string()), org ? std::string(org->as_string()) : ""});
  }
  return out;
}

}  // namespace

StatusOr<model::Account> SqlTx::GetAccount(std::string_view id) {
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("SELECT name, created_at, trusted_issuers FROM accounts WHERE id = ?1"));
  stmt.Bind(id);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return NotFound("account not found");
  model::Account account{std::string(id), stmt.String(0), stmt.Int(1)};
  WS_ASSIGN_OR_RETURN(account.trusted_issuers, DecodeIssuers(stmt.String(2)));
  return account;
}

Status SqlTx::InsertAccount(const model::Account& account) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("INSERT INTO accounts (id, name, created_at, "
                                         "trusted_issuers) VALUES (?1, ?2, ?3, ?4)"));
  WS_RETURN_IF_ERROR(
      stmt.Bind(account.id, account.name, account.created_at,
                EncodeIssuers(account.trusted_issuers))
          .Defer(ConstraintErrors().OnPrimaryKey(Code::kConflict, "account already exists")));
  return TouchRelationships({model::AccountOnPlatform(account.id)});
}

Status SqlTx::SetTrustedIssuers(std::string_view account_id,
                                const std::vector<model::TrustedIssuer>& issuers) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("UPDATE accounts SET trusted_issuers = ?2 WHERE id = ?1"));
  WS_RETURN_IF_ERROR(stmt.Bind(account_id, EncodeIssuers(issuers)).Run());
  if (stmt.Changes() == 0) return NotFound("account not found");
  return Status::Ok();
}

Status SqlTx::PutAccountMember(const model::AccountMember& member) {
  WS_ASSIGN_OR_RETURN(const auto before, GetAccountRole(member.account_id, member.subject));
  // An upsert: a changed role keeps the original created_at.
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("INSERT INTO account_members (account_id, subject, role, "
                                         "created_at) VALUES (?1, ?2, ?3, ?4) "
                                         "ON CONFLICT (account_id, subject) DO UPDATE SET role = "
                                         "excluded.role"));
  WS_RETURN_IF_ERROR(
      stmt.Bind(member.account_id, member.subject, model::ToString(member.role), member.created_at)
          .Defer(ConstraintErrors().OnForeignKey(Code::kNotFound, "account not found")));
  if (before == member.role) return Status::Ok();
  if (before) {
    WS_RETURN_IF_ERROR(DeleteRelationships(
        {model::AccountMemberRelationship(member.account_id, *before, member.subject)}));
  }
  return TouchRelationships(
      {model::AccountMemberRelationship(member.account_id, member.role, member.subject)});
}

Status SqlTx::DeleteAccountMember(std::string_view account_id, std::string_view subject) {
  WS_ASSIGN_OR_RETURN(const auto before, GetAccountRole(account_id, subject));
  if (!before) return NotFound("account member not found");
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("DELETE FROM account_members WHERE account_id = ?1 AND subject = ?2"));
  WS_RETURN_IF_ERROR(stmt.Bind(account_id, subject).Run());
  return DeleteRelationships({model::AccountMemberRelationship(account_id, *before, subject)});
}

StatusOr<std::optional<model::AccountRole>> SqlTx::GetAccountRole(std::string_view account_id,
                                                                  std::string_view subject) {
  WS_ASSIGN_OR_RETURN(const auto member, GetAccountMember(account_id, subject));
  if (!member) return std::optional<model::AccountRole>();
  return std::optional<model::AccountRole>(member->role);
}

namespace {

StatusOr<std::vector<model::AccountMember>> CollectAccountMembers(Stmt& stmt,
                                                                  std::string_view account_id) {
  std::vector<model::AccountMember> members;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    model::AccountMember& m = members.emplace_back();
    m.account_id = std::string(account_id);
    m.subject = stmt.String(0);
    WS_ASSIGN_OR_RETURN(m.role,
                        DecodeEnum(model::ParseAccountRole, stmt.Text(1), "account_members.role"));
    m.created_at = stmt.Int(2);
  }
  return members;
}

}  // namespace

StatusOr<std::optional<model::AccountMember>> SqlTx::GetAccountMember(std::string_view account_id,
                                                                      std::string_view subject) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT subject, role, created_at FROM account_members "
                                         "WHERE account_id = ?1 AND subject = ?2"));
  stmt.Bind(account_id, subject);
  WS_ASSIGN_OR_RETURN(auto members, CollectAccountMembers(stmt, account_id));
  if (members.empty()) return std::optional<model::AccountMember>();
  return std::optional<model::AccountMember>(std::move(members.front()));
}

StatusOr<MemberCounts> SqlTx::CountAccountMembers(std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT COUNT(*), COALESCE(SUM(CASE WHEN role = 'admin' THEN 1 "
                              "ELSE 0 END), 0) FROM account_members WHERE account_id = ?1"));
  stmt.Bind(account_id);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return MemberCounts{};
  return MemberCounts{stmt.Int(0), stmt.Int(1)};
}

StatusOr<std::vector<model::AccountMember>> SqlTx::ListAccountMembers(std::string_view account_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT subject, role, created_at FROM "
                                         "account_members WHERE account_id = ?1 "
                                         "ORDER BY subject"));
  stmt.Bind(account_id);
  return CollectAccountMembers(stmt, account_id);
}

StatusOr<std::vector<model::AccountMember>> SqlTx::ListAccountMembers(std::string_view account_id,
                                                                      std::string_view after,
                                                                      int limit) {
  if (limit < 1) return InvalidArgument("page limit must be at least 1");
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT subject, role, created_at FROM "
                                         "account_members WHERE account_id = ?1 "
                                         "AND subject > ?3 ORDER BY subject LIMIT ?2"));
  stmt.Bind(account_id, static_cast<std::int64_t>(limit), after);
  return CollectAccountMembers(stmt, account_id);
}

namespace {

// Reads (id, name, created_at, trusted_issuers) rows.
StatusOr<std::vector<model::Account>> CollectAccounts(Stmt& stmt) {
  std::vector<model::Account> out;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) return out;
    model::Account& a = out.emplace_back();
    a.id = stmt.String(0);
    a.name = stmt.String(1);
    a.created_at = stmt.Int(2);
    WS_ASSIGN_OR_RETURN(a.trusted_issuers, DecodeIssuers(stmt.Text(3)));
  }
}

}  // namespace

StatusOr<std::vector<model::Account>> SqlTx::ListAccounts(const Page& page) {
  if (page.limit < 1) return InvalidArgument("page limit must be at least 1");
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT id, name, created_at, trusted_issuers FROM "
                                         "accounts WHERE id > ?1 ORDER BY id LIMIT ?2"));
  stmt.Bind(page.after, page.limit);
  return CollectAccounts(stmt);
}

StatusOr<std::vector<model::Account>> SqlTx::ListAccountsForSubject(
    std::string_view subject, const std::vector<std::string>& groups, const Page& page) {
  if (page.limit < 1) return InvalidArgument("page limit must be at least 1");
  // The relationships themselves (what the authorizer reads), found by
  // their subject (relationships_by_subject).
  if (groups.empty()) {
    WS_ASSIGN_OR_RETURN(
        Stmt stmt,
        Prepare("SELECT a.id, a.name, a.created_at, a.trusted_issuers FROM accounts a "
                "WHERE a.id IN (SELECT resource_id FROM relationships WHERE subject_type = 'user'"
                " AND subject_id = ?1 AND subject_relation = '' AND resource_type = 'account'"
                " AND relation IN ('admin', 'member') AND resource_id > ?2)"
                " ORDER BY a.id LIMIT ?3"));
    stmt.Bind(subject, page.after, page.limit);
    return CollectAccounts(stmt);
  }
  // The groups arrive as one JSON-array parameter, as in
  // ListWorkspacesForSubject.
  const std::string groups_json = boost::json::serialize(boost::json::value_from(groups));
  WS_ASSIGN_OR_RETURN(
      Stmt stmt,
      Prepare("SELECT a.id, a.name, a.created_at, a.trusted_issuers FROM accounts a "
              "WHERE a.id IN (SELECT resource_id FROM relationships WHERE resource_type ="
              " 'account' AND relation IN ('admin', 'member') AND resource_id > ?3 AND"
              " ((subject_type = 'user' AND subject_id = ?1 AND subject_relation = '') OR"
              " (subject_type = 'group' AND subject_relation = 'member' AND subject_id IN"
              " (SELECT value FROM json_each(?2))))) ORDER BY a.id LIMIT ?4",
              "SELECT a.id, a.name, a.created_at, a.trusted_issuers FROM accounts a "
              "WHERE a.id IN (SELECT resource_id FROM relationships WHERE resource_type ="
              " 'account' AND relation IN ('admin', 'member') AND resource_id > ?3 AND"
              " ((subject_type = 'user' AND subject_id = ?1 AND subject_relation = '') OR"
              " (subject_type = 'group' AND subject_relation = 'member' AND subject_id IN"
              " (SELECT json_array_elements_text(?2::json))))) ORDER BY a.id LIMIT ?4"));
  stmt.Bind(subject, groups_json, page.after, page.limit);
  return CollectAccounts(stmt);
}

// --- environments ---

Status SqlTx::InsertEnvironment(const model::Environment& env) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("INSERT INTO environments (id, workspace_id, name, "
                                         "created_at) VALUES (?1, ?2, ?3, ?4)"));
  return stmt.Bind(env.id, env.workspace_id, env.name, env.created_at)
      .Defer(ConstraintErrors()
               .OnPrimaryKey(Code::kConflict, "environment already exists")
               .OnUnique(Code::kConflict, "environment name already exists in this workspace")
               .OnForeignKey(Code::kNotFound, "workspace not found"));
}

StatusOr<std::vector<model::Environment>> SqlTx::ListEnvironments(std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT id, name, created_at FROM environments "
                                         "WHERE workspace_id = ?1 ORDER BY id"));
  stmt.Bind(workspace_id);
  std::vector<model::Environment> envs;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    envs.push_back({stmt.String(0), std::string(workspace_id), stmt.String(1), stmt.Int(2)});
  }
  return envs;
}

Status SqlTx::DeleteEnvironments(std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("DELETE FROM environments WHERE workspace_id = ?1"));
  return stmt.Bind(workspace_id).Defer();
}

// --- workspace memberships ---

Status SqlTx::PutWorkspaceMember(const model::WorkspaceMember& member) {
  WS_ASSIGN_OR_RETURN(const auto before, GetWorkspaceRole(member.workspace_id, member.subject));
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("INSERT INTO workspace_members (workspace_id, subject, "
                                         "role, created_at) VALUES (?1, ?2, ?3, ?4) "
                                         "ON CONFLICT (workspace_id, subject) DO UPDATE SET role = "
                                         "excluded.role"));
  WS_RETURN_IF_ERROR(
      stmt.Bind(member.workspace_id, member.subject, model::ToString(member.role),
                member.created_at)
          .Defer(ConstraintErrors().OnForeignKey(Code::kNotFound, "workspace not found")));
  if (before == member.role) return Status::Ok();
  if (before) {
    WS_RETURN_IF_ERROR(DeleteRelationships(
        {model::WorkspaceMemberRelationship(member.workspace_id, *before, member.subject)}));
  }
  return TouchRelationships(
      {model::WorkspaceMemberRelationship(member.workspace_id, member.role, member.subject)});
}

Status SqlTx::DeleteWorkspaceMember(std::string_view workspace_id, std::string_view subject) {
  WS_ASSIGN_OR_RETURN(const auto before, GetWorkspaceRole(workspace_id, subject));
  if (!before) return NotFound("workspace member not found");
  WS_ASSIGN_OR_RETURN(
      Stmt stmt, Prepare("DELETE FROM workspace_members WHERE workspace_id = ?1 AND subject = ?2"));
  WS_RETURN_IF_ERROR(stmt.Bind(workspace_id, subject).Run());
  return DeleteRelationships({model::WorkspaceMemberRelationship(workspace_id, *before, subject)});
}

StatusOr<std::optional<model::WorkspaceRole>> SqlTx::GetWorkspaceRole(std::string_view workspace_id,
                                                                      std::string_view subject) {
  WS_ASSIGN_OR_RETURN(const auto member, GetWorkspaceMember(workspace_id, subject));
  if (!member) return std::optional<model::WorkspaceRole>();
  return std::optional<model::WorkspaceRole>(member->role);
}

namespace {

StatusOr<std::vector<model::WorkspaceMember>> CollectWorkspaceMembers(
    Stmt& stmt, std::string_view workspace_id) {
  std::vector<model::WorkspaceMember> members;
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    model::WorkspaceMember& m = members.emplace_back();
    m.workspace_id = std::string(workspace_id);
    m.subject = stmt.String(0);
    WS_ASSIGN_OR_RETURN(
        m.role, DecodeEnum(model::ParseWorkspaceRole, stmt.Text(1), "workspace_members.role"));
    m.created_at = stmt.Int(2);
  }
  return members;
}

}  // namespace

StatusOr<std::optional<model::WorkspaceMember>> SqlTx::GetWorkspaceMember(
    std::string_view workspace_id, std::string_view subject) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT subject, role, created_at FROM workspace_members "
                                         "WHERE workspace_id = ?1 AND subject = ?2"));
  stmt.Bind(workspace_id, subject);
  WS_ASSIGN_OR_RETURN(auto members, CollectWorkspaceMembers(stmt, workspace_id));
  if (members.empty()) return std::optional<model::WorkspaceMember>();
  return std::optional<model::WorkspaceMember>(std::move(members.front()));
}

StatusOr<MemberCounts> SqlTx::CountWorkspaceMembers(std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt,
                      Prepare("SELECT COUNT(*), COALESCE(SUM(CASE WHEN role = 'admin' THEN 1 "
                              "ELSE 0 END), 0) FROM workspace_members WHERE workspace_id = ?1"));
  stmt.Bind(workspace_id);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return MemberCounts{};
  return MemberCounts{stmt.Int(0), stmt.Int(1)};
}

StatusOr<std::vector<model::WorkspaceMember>> SqlTx::ListWorkspaceMembers(
    std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT subject, role, created_at FROM "
                                         "workspace_members WHERE workspace_id = ?1 "
                                         "ORDER BY subject"));
  stmt.Bind(workspace_id);
  return CollectWorkspaceMembers(stmt, workspace_id);
}

StatusOr<std::vector<model::WorkspaceMember>> SqlTx::ListWorkspaceMembers(
    std::string_view workspace_id, std::string_view after, int limit) {
  if (limit < 1) return InvalidArgument("page limit must be at least 1");
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT subject, role, created_at FROM "
                                         "workspace_members WHERE workspace_id = ?1 "
                                         "AND subject > ?3 ORDER BY subject LIMIT ?2"));
  stmt.Bind(workspace_id, static_cast<std::int64_t>(limit), after);
  return CollectWorkspaceMembers(stmt, workspace_id);
}

// --- metadata ---

StatusOr<std::optional<std::string>> SqlTx::GetMeta(std::string_view key) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT value FROM meta WHERE key = ?1"));
  stmt.Bind(key);
  WS_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.String(0));
}

Status SqlTx::PutMeta(std::string_view key, std::string_view value) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                         "ON CONFLICT (key) DO UPDATE SET value = "
                                         "excluded.value"));
  return stmt.Bind(key, value).Run();
}

StatusOr<std::string> SqlTx::PutMetaIfAbsent(std::string_view key, std::string_view value) {
  {
    WS_ASSIGN_OR_RETURN(Stmt insert, Prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                             "ON CONFLICT (key) DO NOTHING"));
    WS_RETURN_IF_ERROR(insert.Bind(key, value).Run());
  }
  WS_ASSIGN_OR_RETURN(std::optional<std::string> stored, GetMeta(key));
  if (!stored) return Internal("store: meta " + std::string(key) + " vanished after its insert");
  return std::move(*stored);
}

}  // namespace workspaced::store
