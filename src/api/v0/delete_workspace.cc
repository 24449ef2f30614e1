// DELETE /v0/workspaces/{workspaceName} — the /v1 delete, when it exists.
// Permission: administer on the workspace.
//
// TODO(issue 15/16 merge): this branch has no domain delete operation yet
// (soft delete with a restore window is built beside it). Once
// domain::Workspaces has it, call it here with the resolved id and answer
// 200 with the workspace as the delete left it (WorkspaceJson); until then
// the name is resolved and authorized as it will be, then 501.
#include "api/v0/dialect.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"

namespace workspaced::api::v0 {
namespace {

class DeleteWorkspace final : public Handler {
 public:
  explicit DeleteWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& /*out*/) override {
    WS_ASSIGN_OR_RETURN(const model::Workspace unused,
                        ResolveName(app_, ctx, ctx.Param("workspaceName"),
                                    authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    return NotImplemented("deleting a workspace is not available on this server yet");
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeDeleteWorkspace(app::App& app) {
  return std::make_unique<DeleteWorkspace>(app);
}

}  // namespace workspaced::api::v0
