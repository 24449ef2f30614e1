// DELETE /v0/workspaces/{workspaceName}/leave — the caller removes their own
// direct membership: domain::Members::Delete, whose rules hold (the last
// admin stays: 409; frozen: 423; not a direct member, e.g. only through a
// group or the account: 404). Permission: read on the workspace; removing
// oneself needs no more. Answers the workspace as Blaxel does.
#include "api/audit.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "api/v0/workspace_json.h"
#include "domain/members.h"

namespace workspaced::api::v0 {
namespace {

class LeaveWorkspace final : public Handler {
 public:
  explicit LeaveWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(
        const model::Workspace ws,
        ResolveName(app_, ctx, ctx.Param("workspaceName"), authz::Permission::kRead));
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    WS_RETURN_IF_ERROR(app_.members().Leave(ActorOf(ctx), domain::MemberScope::kWorkspace, ws.id));
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeLeaveWorkspace(app::App& app) {
  return std::make_unique<LeaveWorkspace>(app);
}

}  // namespace workspaced::api::v0
