#include "api/routes.h"

#include "api/handlers/handlers.h"
#include "api/workspace_json_cache.h"

namespace workspaced::api {

std::vector<RouteSpec> MakeRoutes(app::App& app) {
  using http::Method;
  std::vector<RouteSpec> r;
  auto add = [&](Method m, const char* pattern, bool authenticated, bool mutates,
                 std::unique_ptr<Handler> h) {
    r.push_back(RouteSpec{m, pattern, authenticated, mutates, std::move(h)});
  };
  // Operations (no token).
  add(Method::kGet, "/healthz", false, false, MakeHealthz(app));
  r.back().runs_inline = true;
  add(Method::kGet, "/readyz", false, false, MakeReadyz(app));
  add(Method::kGet, "/metrics", false, false, MakeMetrics(app));
  add(Method::kGet, "/v1/openapi.yaml", false, false, MakeOpenApi(app));
  r.back().runs_inline = true;
  // Seed 000: the Workspaces API.
  auto rendered = std::make_shared<WorkspaceJsonCache>();
  add(Method::kGet, "/v1/workspaces", true, false, MakeListWorkspaces(app, rendered));
  add(Method::kPost, "/v1/workspaces", true, false, MakeCreateWorkspace(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}", true, false, MakeGetWorkspace(app));
  add(Method::kGet, "/v1/workspaces/by-account/{account_id}", true, false,
      MakeListWorkspacesByAccount(app, rendered));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/environments", true, false,
      MakeListEnvironments(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/audit", true, false, MakeWorkspaceAudit(app));
  add(Method::kGet, "/v1/workspaces/{workspace_id}/export", true, false, MakeExportWorkspace(app));
  // The freeze switch itself: not refused while frozen (it unfreezes).
  add(Method::kPatch, "/v1/workspaces/{workspace_id}/status", true, false,
      MakePatchWorkspaceStatus(app));
  // Membership management.
  add(Method::kGet, "/v1/workspaces/{workspace_id}/members", true, false,
      MakeListWorkspaceMembers(app));
  add(Method::kPut, "/v1/workspaces/{workspace_id}/members/{subject}", true, true,
      MakePutWorkspaceMember(app));
  add(Method::kDelete, "/v1/workspaces/{workspace_id}/members/{subject}", true, true,
      MakeDeleteWorkspaceMember(app));
  add(Method::kPut, "/v1/workspaces/{workspace_id}/group-mappings", true, true,
      MakePutGroupMappings(app));
  add(Method::kPost, "/v1/accounts", true, false, MakeCreateAccount(app));
  add(Method::kGet, "/v1/accounts/{account_id}", true, false, MakeGetAccount(app));
  add(Method::kGet, "/v1/accounts/{account_id}/members", true, false, MakeListAccountMembers(app));
  add(Method::kPut, "/v1/accounts/{account_id}/members/{subject}", true, false,
      MakePutAccountMember(app));
  add(Method::kDelete, "/v1/accounts/{account_id}/members/{subject}", true, false,
      MakeDeleteAccountMember(app));
  // Provisioning runs (the saga a create or retry starts).
  add(Method::kGet, "/v1/provisioning-runs/{run_id}", true, false, MakeGetProvisioningRun(app));
  add(Method::kPost, "/v1/provisioning-runs/{run_id}/retry", true, true,
      MakeRetryProvisioningRun(app));
  return r;
}

}  // namespace workspaced::api
