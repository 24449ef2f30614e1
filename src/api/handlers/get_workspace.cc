// GET /v1/workspaces/{workspace_id}. Permission: read on workspace.
#include "api/access.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"

namespace workspaced::api {
namespace {

class GetWorkspace final : public Handler {
 public:
  explicit GetWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    model::Workspace ws;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(id));
      return Status::Ok();
    }));
    const std::string etag = WorkspaceEtag(ws);
    out.SetHeader("ETag", etag);
    if (EtagMatches(ctx.request.HeaderValue("If-None-Match"), etag)) {
      out.status = 304;
      return Status::Ok();
    }
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeGetWorkspace(app::App& app) {
  return std::make_unique<GetWorkspace>(app);
}

}  // namespace workspaced::api
