#include "api/routes.h"

#include "api/handlers/handlers.h"
#include "api/v0/handlers.h"
#include "api/workspace_json_cache.h"

namespace workspaced::api {

std::vector<RouteSpec> MakeRoutes(app::App& app) {
  using http::Method;
  std::vector<RouteSpec> r;
  auto add = [&](Method m, const char* pattern, bool authenticated, std::unique_ptr<Handler> h) {
    r.push_back(RouteSpec{m, pattern, authenticated, std::move(h)});
  };
  // Operations (no token).
  add(Method::kGet, "/healthz", false, MakeHealthz(app));
  r.back().runs_inline = true;
  add(Method::kGet, "/readyz", false, MakeReadyz(app));
  add(Method::kGet, "/metrics", false, MakeMetrics(app));
  add(Method::kGet, "/v1/openapi.yaml", false, MakeOpenApi(app));
  r.back().runs_inline = true;
  add(Method::kGet, "/v0/openapi.yaml", false, MakeOpenApiV0());
  r.back().runs_inline = true;
  // Seed 000: the Workspaces API.
  auto rendered = std::make_shared<WorkspaceJsonCache>();
  add(Method::kGet, "/v1/workspaces", true, MakeListWorkspaces(app, rendered));
  add(Method::kPost, "/v1/workspaces", true, MakeCreateWorkspace(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}", true, MakeGetWorkspace(app, rendered));
  add(Method::kPatch, "/v1/workspaces/{workspace_id}", true, MakePatchWorkspace(app));
  add(Method::kDelete, "/v1/workspaces/{workspace_id}", true, MakeDeleteWorkspace(app));
  add(Method::kPost, "/v1/workspaces/{workspace_id}/restore", true, MakeRestoreWorkspace(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/operations", true, MakeListOperations(app));
  add(Method::kGet, "/v1/workspaces/by-account/{account_id}", true,
      MakeListWorkspacesByAccount(app, rendered));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/environments", true,
      MakeListEnvironments(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/audit", true, MakeWorkspaceAudit(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/export", true, MakeExportWorkspace(app));
  add(Method::kPatch, "/v1/workspaces/{workspace_id}/status", true,
      MakePatchWorkspaceStatus(app));
  // The secrets pillar (docs/secrets.md).
  add(Method::kGet, "/v1/workspaces/{workspace_id}/secrets", true, MakeListSecrets(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/secrets/{name}", true, MakeGetSecret(app));
  add(Method::kPut, "/v1/workspaces/{workspace_id}/secrets/{name}", true, MakePutSecret(app));
  add(Method::kDelete, "/v1/workspaces/{workspace_id}/secrets/{name}", true,
      MakeDeleteSecret(app));
  add(Method::kPost, "/v1/workspaces/{workspace_id}/secrets/{name}/reveal", true,
      MakeRevealSecret(app));
  // The data vault pillar (docs/vault.md).
  add(Method::kPost, "/v1/workspaces/{workspace_id}/vault/records", true,
      MakeCreateVaultRecord(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/vault/records", true, MakeListVaultRecords(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/vault/records/{record_id}", true,
      MakeGetVaultRecord(app));
  add(Method::kDelete, "/v1/workspaces/{workspace_id}/vault/records/{record_id}", true,
      MakeDeleteVaultRecord(app));
  add(Method::kPost, "/v1/workspaces/{workspace_id}/vault/detokenize", true, MakeDetokenize(app));
  // Membership management.
  using domain::MemberScope;
  add(Method::kGet, "/v1/workspaces/{workspace_id}/members", true,
      MakeListMembers(app, MemberScope::kWorkspace));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/members/{subject}", true,
      MakeGetMember(app, MemberScope::kWorkspace));
  add(Method::kPut, "/v1/workspaces/{workspace_id}/members/{subject}", true,
      MakePutMember(app, MemberScope::kWorkspace));
  add(Method::kDelete, "/v1/workspaces/{workspace_id}/members/{subject}", true,
      MakeDeleteMember(app, MemberScope::kWorkspace));
  add(Method::kPut, "/v1/workspaces/{workspace_id}/group-mappings", true,
      MakePutGroupMappings(app));
  add(Method::kGet, "/v1/accounts", true, MakeListAccounts(app));
  add(Method::kPost, "/v1/accounts", true, MakeCreateAccount(app));
  add(Method::kGet, "/v1/accounts/{account_id}", true, MakeGetAccount(app));
  add(Method::kPut, "/v1/accounts/{account_id}/trusted-issuers", true,
      MakePutTrustedIssuers(app));
  add(Method::kGet, "/v1/accounts/{account_id}/quotas", true, MakeGetQuotas(app));
  add(Method::kPut, "/v1/accounts/{account_id}/quotas", true, MakePutQuotas(app));
  add(Method::kGet, "/v1/accounts/{account_id}/members", true,
      MakeListMembers(app, MemberScope::kAccount));
  add(Method::kGet, "/v1/accounts/{account_id}/members/{subject}", true,
      MakeGetMember(app, MemberScope::kAccount));
  add(Method::kPut, "/v1/accounts/{account_id}/members/{subject}", true,
      MakePutMember(app, MemberScope::kAccount));
  add(Method::kDelete, "/v1/accounts/{account_id}/members/{subject}", true,
      MakeDeleteMember(app, MemberScope::kAccount));
  // Refused requests counted rather than chained (platform admins).
  add(Method::kGet, "/v1/audit/denials", true, MakeAuditDenials(app));
  // Provisioning runs (the saga a create or retry starts).
  add(Method::kGet, "/v1/provisioning-runs/{run_id}", true, MakeGetProvisioningRun(app));
  add(Method::kGet, "/v1/operations/{operation_id}", true, MakeGetOperation(app));
  add(Method::kPost, "/v1/operations/{operation_id}/cancel", true, MakeCancelOperation(app));
  add(Method::kPost, "/v1/provisioning-runs/{run_id}/retry", true,
      MakeRetryProvisioningRun(app));
  // The Customer Portal (docs/portal.md).
  add(Method::kGet, "/portal", false, MakePortalPage());
  add(Method::kGet, "/portal/", false, MakePortalPage());
  add(Method::kGet, "/portal/assets/{file}", false, MakePortalAsset());
  add(Method::kGet, "/portal/config.json", false, MakePortalConfig(app));
  add(Method::kPost, "/portal/dev-token", false, MakePortalDevToken(app));
  add(Method::kGet, "/portal/workspaces/{workspace_id}/permissions", true,
      MakePortalPermissions(app, authz::ObjectType::kWorkspace));
  add(Method::kGet, "/portal/accounts/{account_id}/permissions", true,
      MakePortalPermissions(app, authz::ObjectType::kAccount));
  // The Blaxel-compatible surface (docs/blaxel.md).
  v0::AddRoutes(app, r);
  return r;
}

}  // namespace workspaced::api
