// POST /v0/workspaces — a Blaxel `Workspace` in, the same create as POST
// /v1/workspaces (domain::Workspaces::Create: quotas, slug, saga, audit),
// answered 200 with the workspace in its current phase (`created`).
// Permission: administer on the account it lands in (names.h TargetAccount).
#include "api/access.h"

#include <boost/json/value.hpp>

#include "api/json_body.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/v0/dialect.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "api/v0/workspace_body.h"
#include "api/v0/workspace_json.h"

namespace workspaced::api::v0 {
namespace {

// Whether the body is a JSON object with `member` set (null is absent, as
// the body's parser reads it).
bool NamesMember(std::string_view body, std::string_view member) {
  const StatusOr<boost::json::value> v = ParseJsonBody(body);
  const boost::json::value* m = v.ok() && v->is_object() ? v->as_object().if_contains(member)
                                                        : nullptr;
  return m != nullptr && !m->is_null();
}

class CreateWorkspace final : public Handler {
 public:
  explicit CreateWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    const std::vector<std::string>& regions = app_.config().regions;
    StatusOr<WorkspaceBody> parsed = ParseWorkspaceBody(ctx.request.body, regions);
    Status refused = parsed.status();
    if (refused.ok() && !parsed->name)
      refused = InvalidArgument("name is required (the workspace's address)");
    if (refused.ok() && IsReservedName(*parsed->name))
      refused = WithErrorWord(Conflict("this name is reserved"), "forbidden_reserved");
    if (!refused.ok()) {
      // Authorization first, as on /v1: a caller who may not administer the
      // account learns nothing from how the rest of the body is wrong.
      if (const auto named = NamedAccount(ctx.request.body, "accountId")) {
        WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, *named,
                                   authz::Permission::kAdminister));
      } else if (!NamesMember(ctx.request.body, "accountId")) {
        // No account named: the one the caller administers; 403 for none
        // (several: the body's problem is the answer, as it will be).
        const StatusOr<std::string> account = TargetAccount(app_, ctx, std::nullopt);
        if (account.ok()) {
          WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, *account,
                                     authz::Permission::kAdminister));
        } else if (account.status().code() != Code::kInvalidArgument) {
          return account.status();
        }
      }
      return refused;
    }
    const WorkspaceBody body = std::move(parsed).value();
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
