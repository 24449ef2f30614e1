// The body of PUT /v1/workspaces/{id}/secrets/{name} (docs/secrets.md):
// {"value", "environment"?, "description"?}, read by the one strict JSON
// reader (api/json_body.h). A body that is not JSON is 400, not an object
// 422; field problems are kept in SecretWrite::parse_errors and reported by
// the operation before the workspace's state (422 first), with the rules' own
// (domain::ValidateSecretWrite). Its own file so the fuzzer can reach it.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "domain/secrets.h"

namespace workspaced::api {

StatusOr<domain::SecretWrite> ParseSecretPutBody(std::string_view body, const std::string& name);

}  // namespace workspaced::api
