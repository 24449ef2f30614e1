// DELETE /v0/workspaces/{workspaceName} — the /v1 delete (docs/lifecycle.md):
// the workspace goes `deleting`, then `deleted` with its purge scheduled
// after the retention window, restorable through /v1 until then. Answers 200
// with the workspace as the delete left it (Blaxel's shape; `Location` is
// the delete operation). No `force`: a workspace whose
// pillars hold data is refused with 409 (docs/blaxel.md).
// Permission: administer on the workspace.
#include "api/audit.h"
#include "api/if_match.h"
#include "api/json_views.h"
#include "api/v0/dialect.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "api/v0/workspace_json.h"

namespace workspaced::api::v0 {
namespace {

class DeleteWorkspace final : public Handler {
 public:
  explicit DeleteWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        ResolveName(app_, ctx, ctx.Param("workspaceName"),
                                    authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    StatusOr<domain::LifecycleResult> deleted = app_.workspaces().Delete(
        ActorOf(ctx), ws.id, /*force=*/false, IfMatchWorkspace(ctx.request));
    if (Status s = deleted.status(); !s.ok()) {
      // /v0 has no force: the way to force it is /v1's.
      const std::string force = "?force=true";
      if (const std::size_t at = s.message().find(force); at != std::string::npos)
        s.WithMessage(s.message().substr(0, at) + "DELETE /v1/workspaces/" + ws.id + force +
                      s.message().substr(at + force.size()));
      return s;
    }
    const domain::LifecycleResult& done = *deleted;
    out.SetHeader("Location", "/v1/operations/" + done.operation.id);
    out.SetHeader("ETag", WorkspaceEtag(done.workspace));
    out.Json(200, WorkspaceJson(done.workspace));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeDeleteWorkspace(app::App& app) {
  return std::make_unique<DeleteWorkspace>(app);
}

}  // namespace workspaced::api::v0
