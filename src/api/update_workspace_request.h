// The body of PATCH /v1/workspaces/{workspace_id}: a JSON merge patch (RFC
// 7396) of a workspace's mutable fields, parsed and validated in one pass
// that reports every problem at once (one 422 entry per field).
//
// Mutable: name, slug, labels (per key: a string sets it, null removes it;
// "labels": null removes them all), runtime.generation (null, or "runtime":
// null, clears it), deletion_protection. What each value may hold is the
// create's rule (domain/workspace_fields.h). Refused, each named: the fields
// only the server sets (id, status, …), the fields fixed at create
// (account_id, region, tenancy_model), group_mappings (changed by its own
// endpoint), unknown fields, and null for a field that cannot be absent
// (name, slug, deletion_protection).
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"
#include "domain/workspaces.h"

namespace workspaced::api {

// Label changes one patch may carry (sets and removals together).
inline constexpr std::size_t kMaxLabelChanges = 128;

// kInvalidArgument (400) when the body is not JSON; kUnprocessable (422) with
// one FieldError per problem otherwise.
StatusOr<domain::WorkspacePatch> ParseWorkspacePatch(std::string_view body);

}  // namespace workspaced::api
