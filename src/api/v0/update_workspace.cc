// PUT /v0/workspaces/{workspaceName} — Blaxel's update: displayName, labels
// (replaced whole when given) and runtime.generation, through the same
// domain::Workspaces::Update as PATCH /v1/workspaces/{id} (frozen 423,
// version, audit). What Blaxel's clients send back unchanged is accepted;
// what cannot change here is refused with 400: the name, the account, the
// region (as on /v1) and the group mappings (PUT /v1/…/group-mappings).
// Permission: administer on the workspace.
#include <algorithm>

#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/if_match.h"
#include "api/json_views.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "api/v0/workspace_body.h"
#include "api/v0/workspace_json.h"
#include "common/text.h"

namespace workspaced::api::v0 {
namespace {

std::vector<model::GroupMapping> Sorted(std::vector<model::GroupMapping> m) {
  std::sort(m.begin(), m.end(), [](const auto& a, const auto& b) {
    return std::tie(a.group_name, a.role) < std::tie(b.group_name, b.role);
  });
  return m;
}

class UpdateWorkspace final : public Handler {
 public:
  explicit UpdateWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& name = ctx.Param("workspaceName");
    WS_ASSIGN_OR_RETURN(const model::Workspace current,
                        ResolveName(app_, ctx, name, authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const WorkspaceBody body,
                        ParseWorkspaceBody(ctx.request.body, app_.config().regions));
    if (body.name && *body.name != name)
      return InvalidArgument("a workspace's name cannot change");
    domain::WorkspacePatch patch;
    patch.name = body.display_name;
    if (body.labels) {
      patch.clear_labels = true;
      for (const auto& [k, v] : *body.labels) patch.labels[k] = v;
    }
    patch.runtime_generation = body.runtime_generation;
    // Checked against the workspace as stored, inside the update's
    // transaction: what this request may not change is what it says now.
    // If-Match / If-None-Match first, with /v1's ETags (the same
    // workspace): a client that read it on either surface may condition on it.
    const domain::Precondition if_match = IfMatchWorkspace(ctx.request);
    const domain::Precondition unchanged = [&](const model::Workspace& ws) -> Status {
      if (if_match) WS_RETURN_IF_ERROR(if_match(ws));
      if (ws.slug != name) return NotFound("workspace not found");  // renamed meanwhile
      // A UUID in any case names the same account (a create lowercases it).
      if (body.account_id && !EqualsIgnoreCase(*body.account_id, ws.account_id))
        return InvalidArgument("accountId cannot change");
      if (body.region && *body.region != ws.region) return InvalidArgument("region cannot change");
      if (body.group_mappings && Sorted(*body.group_mappings) != Sorted(ws.group_mappings))
        return InvalidArgument(
            "groupMappings change through PUT /v1/workspaces/{id}/group-mappings");
      return Status::Ok();
    };
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        app_.workspaces().Update(ActorOf(ctx), current.id, patch, unchanged));
    out.SetHeader("ETag", WorkspaceEtag(ws));
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeUpdateWorkspace(app::App& app) {
  return std::make_unique<UpdateWorkspace>(app);
}

}  // namespace workspaced::api::v0
