// The body of POST and PUT /v0/workspaces…: Blaxel's `Workspace`, parsed
// and validated in one pass (every problem at once, one 400). What a name,
// label, runtime or group mapping may hold is the same as on /v1
// (domain/workspace_fields.h, domain/slug.h, create_workspace_request.h).
//
// Read-only fields Blaxel's clients send back (id, status, createdAt, …)
// are ignored, as Blaxel does; fields we do not support (hipaaInfo,
// runtime.sandbox, unknown ones) are refused, never silently dropped.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/model.h"

namespace workspaced::api::v0 {

struct WorkspaceBody {
  std::optional<std::string> name;          // the slug
  std::optional<std::string> display_name;  // our name
  std::optional<std::string> account_id;
  std::optional<std::string> region;
  std::optional<std::map<std::string, std::string>> labels;
  std::optional<std::vector<model::GroupMapping>> group_mappings;
  std::optional<std::string> runtime_generation;
};

// kInvalidArgument: not a JSON object, or the field problems (as
// FieldErrors). `regions`: the configured ones a region must be.
StatusOr<WorkspaceBody> ParseWorkspaceBody(std::string_view body,
                                           const std::vector<std::string>& regions);

}  // namespace workspaced::api::v0
