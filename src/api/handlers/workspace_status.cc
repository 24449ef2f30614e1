// PATCH /v1/workspaces/{workspace_id}/status — freeze or unfreeze.
// Permission: administer on workspace. Body {"status":"frozen"|"active",
// "reason":"…"}; only active ⇄ frozen (409 otherwise); If-Match honoured
// (412 on a stale ETag). A frozen workspace records who froze it, when and
// why; every change under it answers 423 (domain/workspace_rules.h).
#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/handlers/management_body.h"
#include "api/if_match.h"
#include "api/json_views.h"

namespace workspaced::api {
namespace {

class PatchWorkspaceStatus final : public Handler {
 public:
  explicit PatchWorkspaceStatus(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kWorkspace, id,
                               authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const StatusPatchBody change, ParseStatusPatchBody(ctx.request.body));
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        app_.workspaces().SetStatus(ActorOf(ctx), id, change.status,
                                                    change.reason, IfMatchWorkspace(ctx.request)));
    out.SetHeader("ETag", WorkspaceEtag(ws));
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakePatchWorkspaceStatus(app::App& app) {
  return std::make_unique<PatchWorkspaceStatus>(app);
}

}  // namespace workspaced::api
