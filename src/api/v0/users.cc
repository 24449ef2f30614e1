// The members of the workspace the request's context names
// (X-Blaxel-Workspace or ?workspace=), as Blaxel's `WorkspaceUser`:
//   GET    /v0/users                 read        domain::Members::List
//   PUT    /v0/users/{subOrEmail}    administer  domain::Members::Put {"role"}
//   DELETE /v0/users/{subOrEmail}    administer  domain::Members::Delete
//   POST   /v0/users                 501: we have no e-mail invitations
// Roles are ours (admin, member, viewer); the rules (last admin, frozen,
// quota, audit) are domain::Members'. A subject is a user id
// (docs/identity.md); e-mail addresses are not looked up.
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/handlers/management_body.h"
#include "api/if_match.h"
#include "api/json_views.h"
#include "api/v0/dialect.h"
#include "api/v0/handlers.h"
#include "api/v0/names.h"
#include "api/v0/workspace_json.h"
#include "domain/members.h"

namespace workspaced::api::v0 {
namespace {

constexpr int kMaxUsersListed = 1000;

using domain::MemberScope;

class ListUsers final : public Handler {
 public:
  explicit ListUsers(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        ResolveContext(app_, ctx, authz::Permission::kRead));
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    // Blaxel's list has no paging: at most kMaxListed, as the workspace list.
    WS_ASSIGN_OR_RETURN(const auto members,
                        app_.members().List(MemberScope::kWorkspace, ws.id, "", kMaxUsersListed));
    std::string body = "[";
    for (const domain::MemberResult& m : members) {
      if (body.size() > 1) body += ",";
      body += UserJson(m.subject, m.role);
    }
    out.Json(200, body + "]");
    return Status::Ok();
  }

 private:
  app::App& app_;
};

// PUT (role from the body) or DELETE of one user.
class ChangeUser final : public Handler {
 public:
  ChangeUser(app::App& app, bool remove) : app_(app), remove_(remove) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::Workspace ws,
                        ResolveContext(app_, ctx, authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    const std::string& subject = ctx.Param("subOrEmail");
    WS_RETURN_IF_ERROR(ValidateSubject(subject));
    if (remove_) {
      WS_RETURN_IF_ERROR(
          app_.members().Delete(ActorOf(ctx), MemberScope::kWorkspace, ws.id, subject,
                                IfMatchMember(ctx.request)));
      out.Json(200, UserJson(subject, ""));
      return Status::Ok();
    }
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const std::string role,
                        ParseRoleBody(ctx.request.body, domain::RolesOf(MemberScope::kWorkspace)));
    WS_ASSIGN_OR_RETURN(const domain::MemberResult m,
                        app_.members().Put(ActorOf(ctx), MemberScope::kWorkspace, ws.id, subject,
                                           role, IfMatchMember(ctx.request)));
    out.SetHeader("ETag", MemberEtag(m.role, m.created_at));
    out.Json(200, UserJson(m.subject, m.role));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const bool remove_;
};

class InviteUser final : public Handler {
 public:
  Status Handle(RequestContext& /*ctx*/, http::Response& /*out*/) override {
    return NotImplemented(
        "invitations by e-mail are not supported; add a member with PUT /v0/users/{sub}");
  }
};

}  // namespace

std::unique_ptr<Handler> MakeListUsers(app::App& app) { return std::make_unique<ListUsers>(app); }
std::unique_ptr<Handler> MakePutUser(app::App& app) {
  return std::make_unique<ChangeUser>(app, false);
}
std::unique_ptr<Handler> MakeDeleteUser(app::App& app) {
  return std::make_unique<ChangeUser>(app, true);
}
std::unique_ptr<Handler> MakeInviteUser(app::App& /*app*/) {
  return std::make_unique<InviteUser>();
}

}  // namespace workspaced::api::v0
