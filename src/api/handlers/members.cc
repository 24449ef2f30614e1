// Members of accounts and of workspaces, one implementation for both:
//   GET    /v1/{accounts|workspaces}/{id}/members            read
//   GET    /v1/{accounts|workspaces}/{id}/members/{subject}  read
//   PUT    /v1/{accounts|workspaces}/{id}/members/{subject}  administer
//   DELETE /v1/{accounts|workspaces}/{id}/members/{subject}  administer (read
//          for the caller's own: Members::Leave)
// One membership answers with its ETag (json_views.h MemberEtag); PUT and
// DELETE honour If-Match (412 on a stale one). The rules (last admin, frozen
// workspace, audit, the precondition) are domain::Members'.

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/handlers/management_body.h"
#include "api/if_match.h"
#include "api/json_views.h"
#include "api/pagination.h"

namespace workspaced::api {
namespace {

using domain::MemberScope;

struct Scope {
  MemberScope scope;
  authz::ObjectType type;
  const char* param;
};

Scope Of(MemberScope scope) {
  return scope == MemberScope::kAccount
             ? Scope{scope, authz::ObjectType::kAccount, "account_id"}
             : Scope{scope, authz::ObjectType::kWorkspace, "workspace_id"};
}

// Paged like every list (limit 1-1000, default 100; Link rel="next"): the
// cursor holds the page's last subject (keyset, in subject order), signed
// for this list.
class ListMembers final : public Handler {
 public:
  ListMembers(app::App& app, MemberScope scope)
      : app_(app), s_(Of(scope)), cursors_(app.cursor_key()) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param(s_.param);
    WS_RETURN_IF_ERROR(Require(app_, ctx, s_.type, id, authz::Permission::kRead));
    // "members2": its cursors hold a subject; those of the offset form
    // (release before) are refused as another list's, never misread.
    const std::string list = std::string("members2:") + s_.param + ":" + id;
    WS_ASSIGN_OR_RETURN(const store::Page page, ParsePagePosition(ctx.request, cursors_, list, 100, 1000));
    WS_ASSIGN_OR_RETURN(auto members,
                        app_.members().List(s_.scope, id, page.after, page.limit + 1));
    if (static_cast<int>(members.size()) > page.limit) {
      members.resize(static_cast<std::size_t>(page.limit));
      SetNextLink(out, ctx.request.path, page.limit, cursors_, list, members.back().subject);
    }
    std::string body = "[";
    for (const auto& m : members) {
      if (body.size() > 1) body += ",";
      body += MemberJson(m.subject, m.role, m.created_at);
    }
    out.Json(200, body + "]");
    return Status::Ok();
  }

 private:
  app::App& app_;
  const Scope s_;
  const CursorCodec cursors_;
};

class GetMember final : public Handler {
 public:
  GetMember(app::App& app, MemberScope scope) : app_(app), s_(Of(scope)) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param(s_.param);
    const std::string& subject = ctx.Param("subject");
    WS_RETURN_IF_ERROR(Require(app_, ctx, s_.type, id, authz::Permission::kRead));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(ValidateSubject(subject));
    WS_ASSIGN_OR_RETURN(const domain::MemberResult m, app_.members().Get(s_.scope, id, subject));
    out.SetHeader("ETag", MemberEtag(m.role, m.created_at));
    out.Json(200, MemberJson(m.subject, m.role, m.created_at));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const Scope s_;
};

// PUT (role from the body) or DELETE of one member.
class ChangeMember final : public Handler {
 public:
  ChangeMember(app::App& app, MemberScope scope, bool remove)
      : app_(app), s_(Of(scope)), remove_(remove) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param(s_.param);
    const std::string& subject = ctx.Param("subject");
    // Leaving: a member removes its own membership with `read` (as /v0's
    // leave); the domain keeps the last admin. Every other change needs
    // `administer`.
    const bool leaving = remove_ && subject == ctx.principal->subject;
    WS_RETURN_IF_ERROR(Require(app_, ctx, s_.type, id,
                               leaving ? authz::Permission::kRead : authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(ValidateSubject(subject));
    if (remove_) {
      if (!ctx.request.body.empty()) return InvalidArgument("this endpoint takes no request body");
      WS_RETURN_IF_ERROR(
          leaving ? app_.members().Leave(ActorOf(ctx), s_.scope, id, IfMatchMember(ctx.request))
                  : app_.members().Delete(ActorOf(ctx), s_.scope, id, subject,
                                          IfMatchMember(ctx.request)));
      out.status = 204;
      return Status::Ok();
    }
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const std::string role,
                        ParseRoleBody(ctx.request.body, domain::RolesOf(s_.scope)));
    WS_ASSIGN_OR_RETURN(
        const domain::MemberResult m,
        app_.members().Put(ActorOf(ctx), s_.scope, id, subject, role, IfMatchMember(ctx.request)));
    out.SetHeader("ETag", MemberEtag(m.role, m.created_at));
    out.Json(m.created ? 201 : 200, MemberJson(m.subject, m.role, m.created_at));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const Scope s_;
  const bool remove_;
};

}  // namespace

std::unique_ptr<Handler> MakeListMembers(app::App& app, domain::MemberScope scope) {
  return std::make_unique<ListMembers>(app, scope);
}
std::unique_ptr<Handler> MakeGetMember(app::App& app, domain::MemberScope scope) {
  return std::make_unique<GetMember>(app, scope);
}
std::unique_ptr<Handler> MakePutMember(app::App& app, domain::MemberScope scope) {
  return std::make_unique<ChangeMember>(app, scope, false);
}
std::unique_ptr<Handler> MakeDeleteMember(app::App& app, domain::MemberScope scope) {
  return std::make_unique<ChangeMember>(app, scope, true);
}

}  // namespace workspaced::api
