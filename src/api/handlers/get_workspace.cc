// GET /v1/workspaces/{workspace_id}. Permission: read on workspace (a
// deleted one: administer, decided by Require).
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
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    // The rendering cached under the row's stamp (the same bytes as the
    // list's items): one narrow read when the workspace has not changed,
    // none when nothing at all was committed since it was last confirmed
    // (a store whose DataVersion covers every write: both backends, a
    // commit of this process moving it before its Write returns).
    store::Store& store = app_.store();
    std::optional<std::uint64_t> version;
    if (store.DataVersionCoversEveryWrite()) {
      WS_ASSIGN_OR_RETURN(version, store.DataVersion());
    }
    std::optional<WorkspaceJsonCache::Rendered> ws;
    if (version) ws = cache_->FindCurrent(id, *version);
    if (!ws) {
      WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(ws, cache_->Render(tx, id, version));
        return Status::Ok();
      }));
    }
    const std::string etag = WorkspaceEtag(ws->stamp.version);
    out.SetHeader("ETag", etag);
    if (EtagMatches(ctx.request.HeaderValue("If-None-Match"), etag)) {
      out.status = 304;
      return Status::Ok();
    }
    out.Json(200, std::move(ws->json));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const std::shared_ptr<WorkspaceJsonCache> cache_;
};

}  // namespace

std::unique_ptr<Handler> MakeGetWorkspace(app::App& app, std::shared_ptr<WorkspaceJsonCache> cache) {
  return std::make_unique<GetWorkspace>(app, std::move(cache));
}

}  // namespace workspaced::api
