// GET /v1/workspaces/{workspace_id}. Permission: read on workspace.
#include "api/access.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "api/workspace_json_cache.h"

namespace workspaced::api {
namespace {

class GetWorkspace final : public Handler {
 public:
  GetWorkspace(app::App& app, std::shared_ptr<WorkspaceJsonCache> cache)
      : app_(app), cache_(std::move(cache)) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    // The rendering cached under the row's stamp (the same bytes as the
    // list's items): one narrow read when the workspace has not changed.
    WorkspaceJsonCache::Rendered ws;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(ws, cache_->Render(tx, id));
      return Status::Ok();
    }));
    WS_RETURN_IF_ERROR(RequireVisible(ctx, id, ws.json));
    const std::string etag = WorkspaceEtag(ws.stamp.version);
    out.SetHeader("ETag", etag);
    if (EtagMatches(ctx.request.HeaderValue("If-None-Match"), etag)) {
      out.status = 304;
      return Status::Ok();
    }
    out.Json(200, std::move(ws.json));
    return Status::Ok();
  }

 private:
  // A deleted workspace (deleting, deleted) is shown to those who may
  // restore it (administer: its admins, its account's, platform admins),
  // to no one else; a purged one to no one (docs/lifecycle.md). The status
  // is read from the rendering: `"status":"` followed by a status name
  // appears there only as the status field (in a label or name the quotes
  // are escaped).
  Status RequireVisible(RequestContext& ctx, const std::string& id, const std::string& json) {
    if (json.find(R"("status":"purged")") != std::string::npos)
      return NotFound("workspace not found");
    if (json.find(R"("status":"deleted")") == std::string::npos &&
        json.find(R"("status":"deleting")") == std::string::npos)
      return Status::Ok();
    const Status s =
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kAdminister);
    if (s.code() == Code::kPermissionDenied) return NotFound("workspace not found");
    return s;
  }

  app::App& app_;
  const std::shared_ptr<WorkspaceJsonCache> cache_;
};

}  // namespace

std::unique_ptr<Handler> MakeGetWorkspace(app::App& app, std::shared_ptr<WorkspaceJsonCache> cache) {
  return std::make_unique<GetWorkspace>(app, std::move(cache));
}

}  // namespace workspaced::api
