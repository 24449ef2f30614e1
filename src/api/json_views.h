// The API's JSON representations of resources (snake_case, as seed 000).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/model.h"

namespace workspaced::api {

std::string WorkspaceJson(const model::Workspace& ws);
// One environment as GET …/environments lists it, and the list.
std::string EnvironmentJson(const model::Environment& env);
std::string EnvironmentsJson(const std::vector<model::Environment>& list);
std::string AccountJson(const model::Account& account);
std::string ProvisioningRunJson(const model::ProvisioningRun& run);
// An operation (GET /v1/operations/{id}): the run with its `kind` and
// `scheduled_at` (docs/lifecycle.md).
std::string OperationJson(const model::ProvisioningRun& run);
// The 202 body of a create or retry: the workspace id, the run id, the
// status and the workspace as it is now.
std::string ProvisioningAcceptedJson(const model::Workspace& ws, const std::string& run_id);
// The `details` of a stored audit event as the JSON served ("{}" when empty).
// kInternal when they are not a JSON object — a damaged row — which served
// as they are would make the whole response invalid JSON.
StatusOr<std::string_view> AuditDetailsJson(const model::AuditEvent& event);
// Strong ETag of a workspace's current version.
std::string WorkspaceEtag(const model::Workspace& ws);
std::string WorkspaceEtag(std::int64_t version);
// Strong ETag of a membership: its role and since when it exists, which is
// all its representation holds besides the subject (a member removed and
// added again is another membership: another ETag).
std::string MemberEtag(std::string_view role, Micros created_at);
// RFC 9110 §13.1: whether an If-None-Match (weak comparison) or If-Match
// (strong: a W/ tag never matches) header lists `etag` or "*".
bool EtagMatches(std::string_view header, std::string_view etag, bool strong = false);

}  // namespace workspaced::api
