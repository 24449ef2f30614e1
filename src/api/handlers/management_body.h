// Small request bodies of the management endpoints (accounts, members,
// group mappings): strict JSON objects, every problem a 422 field error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace workspaced::api
