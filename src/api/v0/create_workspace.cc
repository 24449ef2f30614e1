// POST /v0/workspaces — a Blaxel `Workspace` in, the same create as POST
// /v1/workspaces (domain::Workspaces::Create: quotas, slug, saga, audit),
// answered 200 with the workspace in its current phase (`created`).
// Permission: administer on the account it lands in (names.h TargetAccount).
#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/v0/dialect.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "api/v0/workspace_body.h"
#include "api/v0/workspace_json.h"

namespace workspaced::api::v0 {
namespace {

class CreateWorkspace final : public Handler {
 public:
  explicit CreateWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    const std::vector<std::string>& regions = app_.config().regions;
    WS_ASSIGN_OR_RETURN(WorkspaceBody body, ParseWorkspaceBody(ctx.request.body, regions));
    if (!body.name) return InvalidArgument("name is required (the workspace's address)");
    if (IsReservedName(*body.name))
      return WithErrorWord(Conflict("this name is reserved"), "forbidden_reserved");
    WS_ASSIGN_OR_RETURN(const std::string account, TargetAccount(app_, ctx, body.account_id));
    WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, account,
                               authz::Permission::kAdminister));
    // A v0 name must keep addressing one workspace for this caller: one it
    // already reads in another account is taken too (the account's own
    // slugs are the domain's to refuse).
    WS_ASSIGN_OR_RETURN(const bool seen, CallerSees(app_, ctx, *body.name));
    if (seen) return WithErrorWord(Conflict("a workspace with this name exists"), "taken");
    domain::NewWorkspace request;
    request.account_id = account;
    request.slug = *body.name;
    request.name = body.display_name.value_or(*body.name);
    if (body.region) {
      request.region = *body.region;
    } else if (regions.size() == 1) {
      request.region = regions.front();
    } else {
      return InvalidArgument("region is required: this server has several");
    }
    request.labels = body.labels.value_or(std::map<std::string, std::string>{});
    request.group_mappings = body.group_mappings.value_or(std::vector<model::GroupMapping>{});
    request.runtime_generation = body.runtime_generation.value_or("");
    WS_ASSIGN_OR_RETURN(const domain::Accepted accepted,
                        app_.workspaces().Create(ActorOf(ctx), request,
                                                 [](store::Tx&, const domain::Accepted&) {
                                                   return Status::Ok();
                                                 }));
    out.SetHeader("Location", "/v0/workspaces/" + accepted.workspace.slug);
    out.Json(200, WorkspaceJson(accepted.workspace));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeCreateWorkspace(app::App& app) {
  return std::make_unique<CreateWorkspace>(app);
}

}  // namespace workspaced::api::v0
