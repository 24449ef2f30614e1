// The Blaxel-compatible surface: /v0/workspaces… and /v0/users… (docs/blaxel.md).
#include "api/v0/dialect.h"
#include "api/v0/handlers.h"

#include <algorithm>

namespace workspaced::api::v0 {

void AddRoutes(app::App& app, std::vector<RouteSpec>& routes) {
  using http::Method;
  auto add = [&](Method m, const char* pattern, std::unique_ptr<Handler> h) {
    RouteSpec spec{m, pattern, true, std::move(h)};
    spec.dialect = &BlaxelDialect();
    routes.push_back(std::move(spec));
  };
  add(Method::kGet, "/v0/workspaces", MakeListWorkspaces(app));
  add(Method::kPost, "/v0/workspaces", MakeCreateWorkspace(app));
  add(Method::kPost, "/v0/workspaces/availability", MakeWorkspaceAvailability(app));
  add(Method::kGet, "/v0/workspaces/{workspaceName}", MakeGetWorkspace(app));
  add(Method::kPut, "/v0/workspaces/{workspaceName}", MakeUpdateWorkspace(app));
  add(Method::kDelete, "/v0/workspaces/{workspaceName}", MakeDeleteWorkspace(app));
  add(Method::kDelete, "/v0/workspaces/{workspaceName}/leave", MakeLeaveWorkspace(app));
  add(Method::kGet, "/v0/users", MakeListUsers(app));
  add(Method::kPost, "/v0/users", MakeInviteUser(app));
  add(Method::kPut, "/v0/users/{subOrEmail}", MakePutUser(app));
  add(Method::kDelete, "/v0/users/{subOrEmail}", MakeDeleteUser(app));
}

Status CheckQuery(const http::Request& request, std::initializer_list<std::string_view> allowed) {
  for (const std::string& name : request.QueryNames()) {
    const bool known = name == "workspace" ||
                       std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    if (!known) return InvalidArgument("unknown query parameter");
    if (request.QueryCount(name) > 1) return InvalidArgument("a query parameter is repeated");
  }
  return Status::Ok();
}

StatusOr<bool> QueryFlag(const http::Request& request, std::string_view name) {
  const std::optional<std::string> v = request.QueryParam(name);
  if (!v || *v == "false") return false;
  if (*v == "true") return true;
  return InvalidArgument("a boolean query parameter must be true or false");
}

}  // namespace workspaced::api::v0
