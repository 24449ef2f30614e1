// An account's quotas (domain/quotas.h, the body: api/quotas_body.h):
//   GET /v1/accounts/{account_id}/quotas   read on the account
//   PUT /v1/accounts/{account_id}/quotas   platform admins
#include "api/if_match.h"
#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/quotas_body.h"

namespace workspaced::api {
namespace {

class GetQuotas final : public Handler {
 public:
  explicit GetQuotas(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("account_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kAccount, id, authz::Permission::kRead));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_ASSIGN_OR_RETURN(const domain::QuotaUsage usage, app_.quotas().Get(id));
    out.Json(200, QuotaUsageJson(usage));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

// Like the issuers an account trusts, its quotas are the platform's to set.
class PutQuotas final : public Handler {
 public:
  explicit PutQuotas(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("account_id");
    WS_RETURN_IF_ERROR(RequirePlatformAdminOf(app_, ctx, id, "change an account's quotas"));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(model::AccountQuotas limits,
                        ParseQuotasBody(ctx.request.body, app_.config().regions));
    limits.account_id = id;
    WS_RETURN_IF_ERROR(PreconditionsWithoutEtag(ctx.request, "account's quotas"));
    WS_ASSIGN_OR_RETURN(const domain::QuotaUsage usage, app_.quotas().Put(ActorOf(ctx), limits));
    out.Json(200, QuotaUsageJson(usage));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeGetQuotas(app::App& app) { return std::make_unique<GetQuotas>(app); }
std::unique_ptr<Handler> MakePutQuotas(app::App& app) { return std::make_unique<PutQuotas>(app); }

}  // namespace workspaced::api
