// Accounts (their members: members.cc):
//   POST   /v1/accounts                                 platform admins
//   GET    /v1/accounts/{account_id}                    read on the account
//   PUT    /v1/accounts/{account_id}/trusted-issuers    platform admins
#include "api/if_match.h"
#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/handlers/management_body.h"
#include "api/idempotency.h"
#include "api/json_views.h"

namespace workspaced::api {
namespace {

class CreateAccount final : public Handler {
 public:
  explicit CreateAccount(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    if (!app_.IsPlatformAdmin(ctx.principal->subject))
      return PermissionDenied("only platform admins create accounts");
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const CreateAccountBody body, ParseCreateAccountBody(ctx.request.body));
    if (body.trusted_issuers) WS_RETURN_IF_ERROR(domain::ValidateTrustedIssuers(*body.trusted_issuers));
    return RunIdempotent(
        app_, ctx, out, [&](const Idempotency& idem) -> StatusOr<IdempotentResponse> {
          IdempotentResponse response;
          WS_RETURN_IF_ERROR(app_.accounts()
                                 .Create(ActorOf(ctx), body.name, body.admin,
                                         body.trusted_issuers.value_or(
                                             std::vector<model::TrustedIssuer>{}),
                                         [&](store::Tx& tx, const model::Account& account) {
                                           response = {201, AccountJson(account),
                                                       "/v1/accounts/" + account.id};
                                           return idem.Complete(tx, response);
                                         })
                                 .status());
          return response;
        });
  }

 private:
  app::App& app_;
};

// PUT /v1/accounts/{account_id}/trusted-issuers — platform admins: which
// identity providers (and organisations) the account's group mappings trust.
class PutTrustedIssuers final : public Handler {
 public:
  explicit PutTrustedIssuers(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("account_id");
    WS_RETURN_IF_ERROR(
        RequirePlatformAdminOf(app_, ctx, id, "change the issuers an account trusts"));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const auto issuers, ParseTrustedIssuersBody(ctx.request.body));
    WS_RETURN_IF_ERROR(PreconditionsWithoutEtag(ctx.request, "account's trusted issuers list"));
    WS_ASSIGN_OR_RETURN(const model::Account account,
                        app_.accounts().SetTrustedIssuers(ActorOf(ctx), id, issuers));
    out.Json(200, AccountJson(account));
    return Status::Ok();
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
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
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

}  // namespace

std::unique_ptr<Handler> MakeCreateAccount(app::App& app) {
  return std::make_unique<CreateAccount>(app);
}
std::unique_ptr<Handler> MakeGetAccount(app::App& app) { return std::make_unique<GetAccount>(app); }
std::unique_ptr<Handler> MakePutTrustedIssuers(app::App& app) {
  return std::make_unique<PutTrustedIssuers>(app);
}

}  // namespace workspaced::api
