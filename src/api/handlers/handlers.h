// Factories of every API handler; the route table (api/routes.cc) wires them.
#pragma once

#include <memory>

#include "api/handler.h"
#include "app/app.h"

namespace workspaced::api {

class WorkspaceJsonCache;

std::unique_ptr<Handler> MakeHealthz(app::App& app);
std::unique_ptr<Handler> MakeReadyz(app::App& app);
std::unique_ptr<Handler> MakeMetrics(app::App& app);
std::unique_ptr<Handler> MakeOpenApi(app::App& app);
// The two listings share one cache of rendered workspaces.
std::unique_ptr<Handler> MakeListWorkspaces(app::App& app,
                                            std::shared_ptr<WorkspaceJsonCache> cache);
std::unique_ptr<Handler> MakeGetWorkspace(app::App& app);
std::unique_ptr<Handler> MakeListWorkspacesByAccount(app::App& app,
                                                     std::shared_ptr<WorkspaceJsonCache> cache);
std::unique_ptr<Handler> MakeListEnvironments(app::App& app);
std::unique_ptr<Handler> MakeCreateWorkspace(app::App& app);
std::unique_ptr<Handler> MakeGetProvisioningRun(app::App& app);
std::unique_ptr<Handler> MakeRetryProvisioningRun(app::App& app);
std::unique_ptr<Handler> MakeCreateAccount(app::App& app);
std::unique_ptr<Handler> MakeGetAccount(app::App& app);
std::unique_ptr<Handler> MakeListAccountMembers(app::App& app);
std::unique_ptr<Handler> MakePutAccountMember(app::App& app);
std::unique_ptr<Handler> MakeDeleteAccountMember(app::App& app);
std::unique_ptr<Handler> MakeListWorkspaceMembers(app::App& app);
std::unique_ptr<Handler> MakePutWorkspaceMember(app::App& app);
std::unique_ptr<Handler> MakeDeleteWorkspaceMember(app::App& app);
std::unique_ptr<Handler> MakePutGroupMappings(app::App& app);
std::unique_ptr<Handler> MakePatchWorkspaceStatus(app::App& app);
std::unique_ptr<Handler> MakeWorkspaceAudit(app::App& app);
std::unique_ptr<Handler> MakeExportWorkspace(app::App& app);

// 415 unless the request says its body is application/json.
Status RequireJsonBody(const http::Request& request);

}  // namespace workspaced::api
