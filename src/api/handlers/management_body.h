// Small request bodies of the management endpoints (accounts, members,
// group mappings): strict JSON objects, every problem a 422 field error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/model.h"

namespace workspaced::api {

// {"name": …, "admin": …}: the account's name and its first admin.
struct CreateAccountBody {
  std::string name;
  std::string admin;
};
StatusOr<CreateAccountBody> ParseCreateAccountBody(std::string_view body);

// {"role": …} with one of `roles`; the parsed role name.
StatusOr<std::string> ParseRoleBody(std::string_view body, const std::vector<std::string>& roles);

// A bare array of {"group_name","role"}.
StatusOr<std::vector<model::GroupMapping>> ParseGroupMappingsBody(std::string_view body);

// A subject from a path: 1–255 characters, no control characters.
Status ValidateSubject(std::string_view subject);

// {"subject","role","created_at"}: an account or workspace member.
std::string MemberJson(std::string_view subject, std::string_view role, Micros created_at);

// What a PUT (`role` set) or DELETE (`role` empty) of `subject` does to a
// member list (account or workspace members), under the rules both share:
// deleting a non-member is 404; removing or demoting the last admin is 409.
template <typename Role>
struct MemberChange {
  std::optional<Role> previous;  // the subject's role before, if any
  Micros created_at = 0;         // kept when the subject was a member
};

template <typename Role, typename Member>
StatusOr<MemberChange<Role>> PlanMemberChange(const std::vector<Member>& members,
                                              std::string_view subject, std::optional<Role> role,
                                              std::string_view noun) {
  MemberChange<Role> change;
  int admins = 0;
  for (const Member& m : members) {
    if (m.role == Role::kAdmin) ++admins;
    if (m.subject == subject) {
      change.previous = m.role;
      change.created_at = m.created_at;
    }
  }
  if (!role && !change.previous) {
    return NotFound("'" + std::string(subject) + "' is not a member of the " + std::string(noun));
  }
  if (change.previous == Role::kAdmin && role != Role::kAdmin && admins <= 1)
    return Conflict("the " + std::string(noun) + " must keep at least one admin");
  return change;
}

}  // namespace workspaced::api
