// GET /v0/workspaces/{workspaceName}[?countResources=]. Permission: read.
// We hold no Blaxel resources (agents, sandboxes, …) to count:
// countResources=true answers an empty resourceCounts.
#include "api/json_views.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "api/v0/workspace_json.h"

namespace workspaced::api::v0 {
namespace {

class GetWorkspace final : public Handler {
 public:
  explicit GetWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        ResolveName(app_, ctx, ctx.Param("workspaceName"),
                                    authz::Permission::kRead));
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {"countResources"}));
    WS_ASSIGN_OR_RETURN(const bool counts, QueryFlag(ctx.request, "countResources"));
    std::string body = WorkspaceJson(ws);
    if (counts) body.insert(body.size() - 1, ",\"resourceCounts\":{}");
    out.SetHeader("ETag", WorkspaceEtag(ws));
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeGetWorkspace(app::App& app) {
  return std::make_unique<GetWorkspace>(app);
}

}  // namespace workspaced::api::v0
