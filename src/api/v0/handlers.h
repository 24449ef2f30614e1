// The /v0 handlers (one class per file) and the route table that adds them
// beside /v1's (api/routes.cc calls AddRoutes once).
#pragma once

#include <initializer_list>
#include <memory>
#include <string_view>
#include <vector>

#include "api/handler.h"
#include "app/app.h"

namespace workspaced::api::v0 {

void AddRoutes(app::App& app, std::vector<RouteSpec>& routes);

std::unique_ptr<Handler> MakeListWorkspaces(app::App& app);
std::unique_ptr<Handler> MakeGetWorkspace(app::App& app);
std::unique_ptr<Handler> MakeCreateWorkspace(app::App& app);
std::unique_ptr<Handler> MakeUpdateWorkspace(app::App& app);
std::unique_ptr<Handler> MakeDeleteWorkspace(app::App& app);
std::unique_ptr<Handler> MakeLeaveWorkspace(app::App& app);
std::unique_ptr<Handler> MakeWorkspaceAvailability(app::App& app);
std::unique_ptr<Handler> MakeListUsers(app::App& app);
std::unique_ptr<Handler> MakePutUser(app::App& app);
std::unique_ptr<Handler> MakeDeleteUser(app::App& app);
std::unique_ptr<Handler> MakeInviteUser(app::App& app);

// 400 unless every query parameter is one of `allowed` (`workspace`, the
// context Blaxel allows on every request, always is) and none repeats.
Status CheckQuery(const http::Request& request, std::initializer_list<std::string_view> allowed);
// A boolean query flag ("true"/"false"; absent: false). 400 otherwise.
StatusOr<bool> QueryFlag(const http::Request& request, std::string_view name);

}  // namespace workspaced::api::v0
