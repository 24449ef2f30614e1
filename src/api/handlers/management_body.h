// Small request bodies of the management endpoints (accounts, members,
// group mappings, a workspace's status): strict JSON objects, every problem a
// 422 field error.
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
  // Optional "trusted_issuers": absent keeps the default (the dev issuer).
  std::optional<std::vector<model::TrustedIssuer>> trusted_issuers;
};
StatusOr<CreateAccountBody> ParseCreateAccountBody(std::string_view body);

// A bare array of {"issuer", "org"?} (PUT …/trusted-issuers).
StatusOr<std::vector<model::TrustedIssuer>> ParseTrustedIssuersBody(std::string_view body);

// {"role": …} with one of `roles`; the parsed role name.
StatusOr<std::string> ParseRoleBody(std::string_view body, const std::vector<std::string>& roles);

// A bare array of {"group_name","role"}.
StatusOr<std::vector<model::GroupMapping>> ParseGroupMappingsBody(std::string_view body);

// {"status": "frozen"|"active", "reason"?: …} (PATCH …/status); the reason
// obeys domain::StatusReasonProblem.
struct StatusPatchBody {
  model::WorkspaceStatus status;
  std::string reason;
};
StatusOr<StatusPatchBody> ParseStatusPatchBody(std::string_view body);

// A subject from a path: 1-1024 bytes (InvalidArgument otherwise). Which
// subjects a membership may name is Members::Put's rule (model::IsUserId).
Status ValidateSubject(std::string_view subject);

// {"subject","role","created_at"}: an account or workspace member.
std::string MemberJson(std::string_view subject, std::string_view role, Micros created_at);

}  // namespace workspaced::api
