// The body of POST /v1/workspaces, parsed and validated in one pass that
// reports every problem at once (one 422 entry per field).
//
// Required: account_id (uuid), name, region (one of the configured cells).
// Optional: slug, labels, tenancy_model, runtime.generation, group_mappings,
// deletion_protection. Server-owned fields (id, status, created_at, …) and
// unknown fields are refused, never silently dropped or applied. What a name,
// slug, label or runtime may hold is domain/workspace_fields.h's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/workspaces.h"
#include "model/model.h"

namespace boost::json {
class value;
}

namespace workspaced::api {

// What the parser produces is what the create operation takes.
using CreateWorkspaceRequest = domain::NewWorkspace;

// Limits a client cannot exceed (the others: domain/workspace_fields.h).
inline constexpr std::size_t kMaxGroupMappings = 100;
inline constexpr std::size_t kMaxGroupNameLength = 255;

// Fields of a workspace that only the server sets (id, status, created_at,
// …): a create or an update naming one is refused.
bool IsServerOwnedWorkspaceField(std::string_view key);

// Reads a JSON array of {"group_name","role"} into `out`, each problem a
// FieldError under `field` ("group_mappings[2].role", …).
void ParseGroupMappingsInto(const boost::json::value& v, const std::string& field,
                            std::vector<model::GroupMapping>& out, std::vector<FieldError>& errors);

// kInvalidArgument (400) when the body is not JSON; kUnprocessable (422) with
// one FieldError per problem otherwise.
StatusOr<CreateWorkspaceRequest> ParseCreateWorkspaceRequest(
    std::string_view body, const std::vector<std::string>& regions);

}  // namespace workspaced::api
