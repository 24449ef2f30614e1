// PUT /v1/workspaces/{workspace_id}/group-mappings — administer. If-Match
// honoured (412 on a stale ETag). The rules (frozen, version, relationships,
// audit) are domain::Workspaces'.
#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/handlers/management_body.h"
#include "api/if_match.h"
#include "api/json_views.h"

namespace workspaced::api {
namespace {

class PutGroupMappings final : public Handler {
 public:
  explicit PutGroupMappings(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(auto mappings, ParseGroupMappingsBody(ctx.request.body));
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        app_.workspaces().PutGroupMappings(ActorOf(ctx), id, mappings,
                                                            IfMatchWorkspace(ctx.request)));
    out.SetHeader("ETag", WorkspaceEtag(ws));
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakePutGroupMappings(app::App& app) {
  return std::make_unique<PutGroupMappings>(app);
}

}  // namespace workspaced::api
