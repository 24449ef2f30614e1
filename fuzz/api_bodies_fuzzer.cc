// Every JSON request body the API parses: create workspace, workspace merge
// patch, account, trusted issuers, role, group mappings, status patch,
// quotas, a secret's new version, a vault record, a detokenize request, a /v0 Workspace; a refusal is rendered as the client would see it (problem+json
// with field errors).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/create_workspace_request.h"
#include "api/handlers/management_body.h"
#include "api/quotas_body.h"
#include "api/secret_body.h"
#include "api/update_workspace_request.h"
#include "api/vault_body.h"
#include "api/v0/workspace_body.h"
#include "http/problem.h"

namespace {

using namespace workspaced;

template <typename T>
void Render(const StatusOr<T>& parsed) {
  if (parsed.ok()) return;
  http::Response response;
  http::SetProblem(response, parsed.status(), "req_fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> regions = {"us-east-1", "eu-west-1"};
  static const std::vector<std::string> roles = {"admin", "member", "viewer"};
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  Render(api::ParseCreateWorkspaceRequest(body, regions));
  Render(api::ParseWorkspacePatch(body));
  Render(api::ParseCreateAccountBody(body));
  Render(api::ParseTrustedIssuersBody(body));
  Render(api::ParseRoleBody(body, roles));
  Render(api::ParseGroupMappingsBody(body));
  Render(api::ParseStatusPatchBody(body));
  Render(api::ParseQuotasBody(body, regions));
  Render(api::ParseSecretPutBody(body, "API_KEY"));
  if (auto record = api::ParseVaultRecordBody(body); record.ok())
    (void)domain::ValidateVaultWrite(*record);  // the rules the operation applies
  Render(api::ParseDetokenizeBody(body));
  Render(api::v0::ParseWorkspaceBody(body, regions));
  (void)api::ValidateSubject(body);
  return 0;
}
