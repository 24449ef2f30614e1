// PATCH /v1/workspaces/{workspace_id} — changes a workspace's name, slug,
// labels, runtime or deletion protection: a JSON merge patch (RFC 7396), sent
// as application/merge-patch+json or application/json (415 otherwise).
// Permission: administer on workspace. If-Match is optional (412 when stale);
// the answer is the workspace as it is now, with its ETag. The rules (frozen,
// slug free, label limit, no-op, audit) are domain::Workspaces::Update's.
#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/if_match.h"
#include "api/json_views.h"
#include "api/update_workspace_request.h"

namespace workspaced::api {
namespace {

class PatchWorkspace final : public Handler {
 public:
  explicit PatchWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    if (!HasMediaType(ctx.request, "application/merge-patch+json") &&
        !HasMediaType(ctx.request, "application/json")) {
      return {Code::kUnsupportedMediaType,
              "the request body must be a JSON merge patch (Content-Type: "
              "application/merge-patch+json or application/json)"};
    }
    WS_ASSIGN_OR_RETURN(const domain::WorkspacePatch patch, ParseWorkspacePatch(ctx.request.body));
    WS_ASSIGN_OR_RETURN(
        const model::Workspace ws,
        app_.workspaces().Update(ActorOf(ctx), id, patch, IfMatchWorkspace(ctx.request)));
    out.SetHeader("ETag", WorkspaceEtag(ws));
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakePatchWorkspace(app::App& app) {
  return std::make_unique<PatchWorkspace>(app);
}

}  // namespace workspaced::api
