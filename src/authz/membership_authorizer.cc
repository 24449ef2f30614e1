#include "authz/membership_authorizer.h"

#include <algorithm>
#include <optional>

namespace workspaced::authz {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

// Higher is stronger.
int Rank(WorkspaceRole r) {
  switch (r) {
    case WorkspaceRole::kAdmin:
      return 3;
    case WorkspaceRole::kMember:
      return 2;
    case WorkspaceRole::kViewer:
      return 1;
  }
  return 0;
}

bool AccountAllows(std::optional<AccountRole> role, Permission what) {
  if (!role) return false;
  if (what == Permission::kRead) return true;
  return *role == AccountRole::kAdmin;  // write and administer
}

bool WorkspaceAllows(int rank, std::optional<AccountRole> account_role, Permission what) {
  const bool account_admin = account_role == AccountRole::kAdmin;
  switch (what) {
    case Permission::kAdminister:
      return rank >= 3 || account_admin;
    case Permission::kWrite:
      return rank >= 2 || account_admin;
    case Permission::kRead:
      return rank >= 1 || account_role.has_value();
  }
  return false;
}

}  // namespace

Decision MembershipAuthorizer::Check(const auth::Principal& who, Permission what, ObjectRef on) {
  bool allowed = false;
  const bool platform_admin = std::find(platform_admins_.begin(), platform_admins_.end(),
                                        who.subject) != platform_admins_.end();
  const Status s = store_.Read([&](store::Tx& tx) -> Status {
    if (on.type == ObjectType::kAccount) {
      WS_RETURN_IF_ERROR(tx.GetAccount(on.id).status());  // no account: nothing allowed
      WS_ASSIGN_OR_RETURN(auto role, tx.GetAccountRole(on.id, who.subject));
      if (platform_admin) role = AccountRole::kAdmin;
      allowed = AccountAllows(role, what);
      return Status::Ok();
    }
    auto ws = tx.GetWorkspace(on.id);
    if (!ws.ok()) return ws.status();
    WS_ASSIGN_OR_RETURN(auto direct, tx.GetWorkspaceRole(on.id, who.subject));
    int rank = direct ? Rank(*direct) : 0;
    for (const auto& m : ws->group_mappings) {
      if (std::find(who.groups.begin(), who.groups.end(), m.group_name) != who.groups.end())
        rank = std::max(rank, Rank(m.role));
    }
    std::optional<AccountRole> account_role;
    // Only consult the account when the workspace role alone does not decide.
    if (!WorkspaceAllows(rank, std::nullopt, what)) {
      WS_ASSIGN_OR_RETURN(account_role, tx.GetAccountRole(ws->account_id, who.subject));
      if (platform_admin) account_role = AccountRole::kAdmin;
    }
    allowed = WorkspaceAllows(rank, account_role, what);
    return Status::Ok();
  });
  if (s.code() == Code::kNotFound) return Decision::kDeny;  // no object: nothing is allowed
  if (!s.ok()) return Decision::kError;
  return allowed ? Decision::kAllow : Decision::kDeny;
}

}  // namespace workspaced::authz
