#include "domain/members.h"

#include "model/identity.h"

#include <algorithm>

#include <boost/json.hpp>
#include <optional>

#include "domain/quotas.h"
#include "domain/workspace_rules.h"

namespace workspaced::domain {
namespace {

// The message of a 404 for a subject that is not a member: the subject
// quoted when it is short and plain, never a long client text.
std::string NotAMember(std::string_view subject, std::string_view noun) {
  const bool plain = subject.size() <= 64 && std::ranges::all_of(subject, [](char c) {
                       return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
                     });
  return (plain ? "'" + std::string(subject) + "'" : std::string("this user")) +
         " is not a member of the " + std::string(noun);
}

using model::AccountRole;
using model::WorkspaceRole;

// What differs between the two scopes; everything else is shared below.
struct AccountScope {
  using Role = AccountRole;
  static constexpr const char* kNoun = "account";
  static std::optional<Role> Parse(std::string_view s) { return model::ParseAccountRole(s); }
  static StatusOr<std::optional<model::AccountMember>> Get(store::Tx& tx, std::string_view id,
                                                           std::string_view subject) {
    return tx.GetAccountMember(id, subject);
  }
  static StatusOr<store::MemberCounts> Count(store::Tx& tx, std::string_view id) {
    return tx.CountAccountMembers(id);
  }
  static StatusOr<std::vector<model::AccountMember>> List(store::Tx& tx, std::string_view id,
                                                          std::string_view after, int limit) {
    return tx.ListAccountMembers(id, after, limit);
  }
  static Status CheckMutable(store::Tx& tx, std::string_view id) {
    return tx.GetAccount(id).status();
  }
  static Status CheckLeavable(store::Tx& tx, std::string_view id) { return CheckMutable(tx, id); }
  // Accounts have no member quota.
  static Status CheckRoom(store::Tx&, std::string_view) { return Status::Ok(); }
  static Status Put(store::Tx& tx, std::string_view id, std::string_view subject, Role role,
                    Micros created_at) {
    return tx.PutAccountMember({std::string(id), std::string(subject), role, created_at});
  }
  static Status Delete(store::Tx& tx, std::string_view id, std::string_view subject) {
    return tx.DeleteAccountMember(id, subject);
  }
  static model::AuditEvent Event(const Actor& actor, Micros now, const char* action,
                                 std::string_view id, std::string_view subject,
                                 boost::json::object& details) {
    details["account_id"] = id;
    return AuditEventBy(actor, now, action, "account_member", std::string(subject), "");
  }
};

struct WorkspaceScope {
  using Role = WorkspaceRole;
  static constexpr const char* kNoun = "workspace";
  static std::optional<Role> Parse(std::string_view s) { return model::ParseWorkspaceRole(s); }
  static StatusOr<std::optional<model::WorkspaceMember>> Get(store::Tx& tx, std::string_view id,
                                                             std::string_view subject) {
    return tx.GetWorkspaceMember(id, subject);
  }
  static StatusOr<store::MemberCounts> Count(store::Tx& tx, std::string_view id) {
    return tx.CountWorkspaceMembers(id);
  }
  static StatusOr<std::vector<model::WorkspaceMember>> List(store::Tx& tx, std::string_view id,
                                                            std::string_view after, int limit) {
    return tx.ListWorkspaceMembers(id, after, limit);
  }
  static Status CheckMutable(store::Tx& tx, std::string_view id) {
    return LoadForChange(tx, id).status();
  }
  // As any change: a frozen workspace is read-only (PRODUCT.md), its
  // members' leaving included.
  static Status CheckLeavable(store::Tx& tx, std::string_view id) { return CheckMutable(tx, id); }
  // The account's members_per_workspace quota (quotas.h), for a newcomer.
  static Status CheckRoom(store::Tx& tx, std::string_view id) {
    WS_ASSIGN_OR_RETURN(const model::Workspace ws, tx.GetWorkspace(id));
    WS_ASSIGN_OR_RETURN(const store::MemberCounts counts, tx.CountWorkspaceMembers(id));
    return CheckMemberQuota(tx, ws.account_id, counts.members);
  }
  static Status Put(store::Tx& tx, std::string_view id, std::string_view subject, Role role,
                    Micros created_at) {
    return tx.PutWorkspaceMember({std::string(id), std::string(subject), role, created_at});
  }
  static Status Delete(store::Tx& tx, std::string_view id, std::string_view subject) {
    return tx.DeleteWorkspaceMember(id, subject);
  }
  static model::AuditEvent Event(const Actor& actor, Micros now, const char* action,
                                 std::string_view id, std::string_view subject,
                                 boost::json::object&) {
    return AuditEventBy(actor, now, action, "workspace_member", std::string(subject),
                        std::string(id));
  }
};

// PUT (`role` set) or DELETE (`role` empty) of `subject` in one transaction.
template <typename Scope>
StatusOr<MemberResult> Change(store::Store& store, const Clock& clock, const Actor& actor,
                              std::string_view id, std::string_view subject,
                              std::optional<typename Scope::Role> role,
                              const MemberPrecondition& precondition, bool leaving = false) {
  using Role = typename Scope::Role;
  MemberResult result;
  result.subject = std::string(subject);
  WS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
    const Micros now = clock.Now();
    WS_RETURN_IF_ERROR(leaving ? Scope::CheckLeavable(tx, id) : Scope::CheckMutable(tx, id));
    // One row and, where a rule needs them, two counts: never every member.
    WS_ASSIGN_OR_RETURN(const auto member, Scope::Get(tx, id, subject));
    std::optional<Role> previous;
    Micros created_at = now;
    if (member) {
      previous = member->role;
      created_at = member->created_at;
    }
    if (precondition) {
      std::optional<MemberResult> current;
      if (previous)
        current = MemberResult{std::string(subject), std::string(model::ToString(*previous)),
                               created_at, false};
      WS_RETURN_IF_ERROR(precondition(current));
    }
    if (!role && !previous) {
      return NotFound(NotAMember(subject, Scope::kNoun));
    }
    if (previous == Role::kAdmin && role != Role::kAdmin) {
      WS_ASSIGN_OR_RETURN(const store::MemberCounts counts, Scope::Count(tx, id));
      if (counts.admins <= 1)
        return Conflict(std::string("the ") + Scope::kNoun + " must keep at least one admin");
    }
    if (role && !previous) WS_RETURN_IF_ERROR(Scope::CheckRoom(tx, id));
    result.role = role ? std::string(model::ToString(*role)) : "";
    result.created_at = created_at;
    result.created = !previous;
    // The role it already has: nothing changes, so nothing is written or
    // audited (as a PATCH that changes nothing).
    if (role && previous == role) return Status::Ok();
    if (role) {
      WS_RETURN_IF_ERROR(Scope::Put(tx, id, subject, *role, created_at));
    } else {
      WS_RETURN_IF_ERROR(Scope::Delete(tx, id, subject));
    }
    boost::json::object details;
    model::AuditEvent e =
        Scope::Event(actor, now, role ? "member.put" : "member.delete", id, subject, details);
    if (role) details["role"] = model::ToString(*role);
    if (previous) details["previous_role"] = model::ToString(*previous);
    e.details = boost::json::serialize(details);
    return tx.AppendAudit(e);
  }));
  return result;
}

template <typename Scope>
StatusOr<MemberResult> PutIn(store::Store& store, const Clock& clock, const Actor& actor,
                             std::string_view id, std::string_view subject,
                             std::string_view role_name, const MemberPrecondition& precondition) {
  const std::optional<typename Scope::Role> role = Scope::Parse(role_name);
  if (!role) {
    return Status(Code::kUnprocessable, "the request body is not valid")
        .WithField("role", std::string("is not a role of the ") + Scope::kNoun);
  }
  return Change<Scope>(store, clock, actor, id, subject, role, precondition);
}

template <typename Scope>
StatusOr<std::vector<MemberResult>> ListIn(store::Store& store, std::string_view id,
                                           std::string_view after, int limit) {
  std::vector<MemberResult> out;
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const auto members, Scope::List(tx, id, after, limit));
    out.clear();
    for (const auto& m : members)
      out.push_back({m.subject, std::string(model::ToString(m.role)), m.created_at, false});
    return Status::Ok();
  }));
  return out;
}

template <typename Scope>
StatusOr<MemberResult> GetIn(store::Store& store, std::string_view id, std::string_view subject) {
  std::optional<MemberResult> found;
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const auto m, Scope::Get(tx, id, subject));
    found.reset();
    if (m) found = MemberResult{m->subject, std::string(model::ToString(m->role)), m->created_at,
                                false};
    return Status::Ok();
  }));
  if (!found) return NotFound(NotAMember(subject, Scope::kNoun));
  return *found;
}

}  // namespace

const std::vector<std::string>& RolesOf(MemberScope scope) {
  static const std::vector<std::string> kAccount = {"admin", "member"};
  static const std::vector<std::string> kWorkspace = {"admin", "member", "viewer"};
  return scope == MemberScope::kAccount ? kAccount : kWorkspace;
}

StatusOr<MemberResult> Members::Put(const Actor& actor, MemberScope scope, std::string_view id,
                                    std::string_view subject, std::string_view role,
                                    const MemberPrecondition& precondition) {
  // A new or changed membership names a user id a token could carry: " bob"
  // or "bob" and a no-break space would be look-alikes nobody signs in as.
  if (!model::IsUserId(subject))
    return InvalidArgument(
        "a subject is a user id a token could carry (docs/identity.md): a dev token's sub "
        "(1-255 bytes without '|', control, bidi or invisible characters, and no white space at "
        "either end, not \".\" or \"..\"), or <issuer>|<sub> for a provider's user");
  if (scope == MemberScope::kAccount)
    return PutIn<AccountScope>(store_, clock_, actor, id, subject, role, precondition);
  return PutIn<WorkspaceScope>(store_, clock_, actor, id, subject, role, precondition);
}

Status Members::Delete(const Actor& actor, MemberScope scope, std::string_view id,
                       std::string_view subject, const MemberPrecondition& precondition) {
  if (scope == MemberScope::kAccount)
    return Change<AccountScope>(store_, clock_, actor, id, subject, std::nullopt, precondition)
        .status();
  return Change<WorkspaceScope>(store_, clock_, actor, id, subject, std::nullopt, precondition)
      .status();
}

Status Members::Leave(const Actor& actor, MemberScope scope, std::string_view id,
                      const MemberPrecondition& precondition) {
  if (scope == MemberScope::kAccount)
    return Change<AccountScope>(store_, clock_, actor, id, actor.subject, std::nullopt,
                                precondition, /*leaving=*/true)
        .status();
  return Change<WorkspaceScope>(store_, clock_, actor, id, actor.subject, std::nullopt,
                                precondition, /*leaving=*/true)
      .status();
}

StatusOr<MemberResult> Members::Get(MemberScope scope, std::string_view id,
                                    std::string_view subject) {
  if (scope == MemberScope::kAccount) return GetIn<AccountScope>(store_, id, subject);
  return GetIn<WorkspaceScope>(store_, id, subject);
}

StatusOr<std::vector<MemberResult>> Members::List(MemberScope scope, std::string_view id,
                                                  std::string_view after, int limit) {
  if (scope == MemberScope::kAccount) return ListIn<AccountScope>(store_, id, after, limit);
  return ListIn<WorkspaceScope>(store_, id, after, limit);
}

}  // namespace workspaced::domain
