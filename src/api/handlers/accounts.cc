// Accounts and their members:
//   POST   /v1/accounts                                 platform admins
//   GET    /v1/accounts/{account_id}                    read on the account
//   GET    /v1/accounts/{account_id}/members            read on the account
//   PUT    /v1/accounts/{account_id}/members/{subject}  administer on it
//   DELETE /v1/accounts/{account_id}/members/{subject}  administer on it
// An account always keeps at least one admin (409 otherwise). Every change is
// audited in its own transaction.
#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/handlers/management_body.h"
#include "api/idempotency.h"
#include "api/json_views.h"

namespace workspaced::api {
namespace {

using model::AccountRole;

class CreateAccount final : public Handler {
 public:
  explicit CreateAccount(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    if (!app_.IsPlatformAdmin(ctx.principal->subject))
      return PermissionDenied("only platform admins create accounts");
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const CreateAccountBody body, ParseCreateAccountBody(ctx.request.body));
    return RunIdempotent(
        app_, ctx, out, [&](const Idempotency& idem) -> StatusOr<IdempotentResponse> {
          IdempotentResponse response;
          WS_RETURN_IF_ERROR(app_.store().Write([&](store::Tx& tx) -> Status {
            const Micros now = app_.clock().Now();
            const model::Account account{NewUuidV7(app_.random(), app_.clock()), body.name, now};
            WS_RETURN_IF_ERROR(tx.InsertAccount(account));
            WS_RETURN_IF_ERROR(
                tx.PutAccountMember({account.id, body.admin, AccountRole::kAdmin, now}));
            model::AuditEvent e =
                RequestAuditEvent(ctx, now, "account.create", "account", account.id, "");
            e.details = boost::json::serialize(
                boost::json::object{{"name", account.name}, {"admin", body.admin}});
            WS_RETURN_IF_ERROR(tx.AppendAudit(e));
            response = {201, AccountJson(account), "/v1/accounts/" + account.id};
            return idem.Complete(tx, response);
          }));
          return response;
        });
  }

 private:
  app::App& app_;
};

class GetAccount final : public Handler {
 public:
  explicit GetAccount(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("account_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kAccount, id, authz::Permission::kRead));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    model::Account account;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(account, tx.GetAccount(id));
      return Status::Ok();
    }));
    out.Json(200, AccountJson(account));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class ListAccountMembers final : public Handler {
 public:
  explicit ListAccountMembers(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("account_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kAccount, id, authz::Permission::kRead));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    std::vector<model::AccountMember> members;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(members, tx.ListAccountMembers(id));
      return Status::Ok();
    }));
    std::string body = "[";
    for (const auto& m : members) {
      if (body.size() > 1) body += ",";
      body += MemberJson(m.subject, model::ToString(m.role), m.created_at);
    }
    out.Json(200, body + "]");
    return Status::Ok();
  }

 private:
  app::App& app_;
};

// PUT (role from the body) or DELETE (role empty) of one account member.
class ChangeAccountMember final : public Handler {
 public:
  ChangeAccountMember(app::App& app, bool remove) : app_(app), remove_(remove) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("account_id");
    const std::string& subject = ctx.Param("subject");
    WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, id,
                               authz::Permission::kAdminister));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    WS_RETURN_IF_ERROR(ValidateSubject(subject));
    std::optional<AccountRole> role;
    if (!remove_) {
      WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
      WS_ASSIGN_OR_RETURN(const std::string name,
                          ParseRoleBody(ctx.request.body, {"admin", "member"}));
      role = model::ParseAccountRole(name);
    } else if (!ctx.request.body.empty()) {
      return InvalidArgument("this endpoint takes no request body");
    }
    int status = 200;
    Micros created_at = 0;
    WS_RETURN_IF_ERROR(app_.store().Write([&](store::Tx& tx) -> Status {
      const Micros now = app_.clock().Now();
      WS_ASSIGN_OR_RETURN(const auto members, tx.ListAccountMembers(id));
      WS_ASSIGN_OR_RETURN(const auto change,
                          PlanMemberChange<AccountRole>(members, subject, role, "account"));
      const std::optional<AccountRole> previous = change.previous;
      created_at = change.created_at;
      if (remove_) {
        WS_RETURN_IF_ERROR(tx.DeleteAccountMember(id, subject));
      } else {
        if (!previous) created_at = now;
        status = previous ? 200 : 201;
        WS_RETURN_IF_ERROR(tx.PutAccountMember({id, subject, *role, created_at}));
      }
      model::AuditEvent e = RequestAuditEvent(ctx, now, remove_ ? "member.delete" : "member.put",
                                              "account_member", subject, "");
      boost::json::object details{{"account_id", id}};
      if (role) details["role"] = model::ToString(*role);
      if (previous) details["previous_role"] = model::ToString(*previous);
      e.details = boost::json::serialize(details);
      return tx.AppendAudit(e);
    }));
    if (remove_) {
      out.status = 204;
      return Status::Ok();
    }
    out.Json(status, MemberJson(subject, model::ToString(*role), created_at));
    return Status::Ok();
  }

 private:
  app::App& app_;
  bool remove_;
};

}  // namespace

std::unique_ptr<Handler> MakeCreateAccount(app::App& app) {
  return std::make_unique<CreateAccount>(app);
}
std::unique_ptr<Handler> MakeGetAccount(app::App& app) { return std::make_unique<GetAccount>(app); }
std::unique_ptr<Handler> MakeListAccountMembers(app::App& app) {
  return std::make_unique<ListAccountMembers>(app);
}
std::unique_ptr<Handler> MakePutAccountMember(app::App& app) {
  return std::make_unique<ChangeAccountMember>(app, false);
}
std::unique_ptr<Handler> MakeDeleteAccountMember(app::App& app) {
  return std::make_unique<ChangeAccountMember>(app, true);
}

}  // namespace workspaced::api
