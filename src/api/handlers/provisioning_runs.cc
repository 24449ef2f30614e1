// GET /v1/provisioning-runs/{run_id} (read on the run's workspace) and
// POST /v1/provisioning-runs/{run_id}/retry (administer on it): a failed run
// is retried by a new run of every step, the workspace back to provisioning.
#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/idempotency.h"
#include "api/json_views.h"
#include "saga/steps.h"

namespace workspaced::api {
namespace {

constexpr char kRunNotFound[] = "provisioning run not found";

// The run's workspace id, or 404 (a malformed id is simply not found).
StatusOr<model::ProvisioningRun> LoadRun(app::App& app, const std::string& id) {
  if (!IsUuid(id)) return NotFound(kRunNotFound);
  model::ProvisioningRun run;
  WS_RETURN_IF_ERROR(app.store().Read([&](store::Tx& tx) -> Status {
    StatusOr<model::ProvisioningRun> got = tx.GetRun(id);
    if (!got.ok()) {
      return got.status().code() == Code::kNotFound ? NotFound(kRunNotFound) : got.status();
    }
    // The create and retry operations; the others are /v1/operations'.
    if (got->kind != model::OperationKind::kCreate && got->kind != model::OperationKind::kRetry)
      return NotFound(kRunNotFound);
    run = std::move(*got);
    return Status::Ok();
  }));
  return run;
}

// A run is an operation: the same answers (RequireOnOperation), with the
// run's own 404.
Status RequireOnRun(app::App& app, RequestContext& ctx, const model::ProvisioningRun& run,
                    authz::Permission need) {
  return RequireOnOperation(app, ctx, run, need, kRunNotFound);
}

class GetRun final : public Handler {
 public:
  explicit GetRun(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::ProvisioningRun run, LoadRun(app_, ctx.Param("run_id")));
    WS_RETURN_IF_ERROR(RequireOnRun(app_, ctx, run, authz::Permission::kRead));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    out.Json(200, ProvisioningRunJson(run));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class RetryRun final : public Handler {
 public:
  explicit RetryRun(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::ProvisioningRun run, LoadRun(app_, ctx.Param("run_id")));
    WS_RETURN_IF_ERROR(RequireOnRun(app_, ctx, run, authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    if (!ctx.request.body.empty()) return InvalidArgument("this endpoint takes no request body");
    return RunIdempotent(app_, ctx, out,
                         [&](const Idempotency& idem) { return Retry(ctx, run.id, idem); });
  }

 private:
  StatusOr<IdempotentResponse> Retry(RequestContext& ctx, const std::string& failed_id,
                                     const Idempotency& idem) {
    IdempotentResponse response;
    WS_RETURN_IF_ERROR(app_.workspaces()
                           .RetryRun(ActorOf(ctx), failed_id,
                                     [&](store::Tx& tx, const domain::Accepted& a) {
                                       response = AcceptedResponse(a);
                                       return idem.Complete(tx, response);
                                     })
                           .status());
    return response;
  }

  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeGetProvisioningRun(app::App& app) {
  return std::make_unique<GetRun>(app);
}
std::unique_ptr<Handler> MakeRetryProvisioningRun(app::App& app) {
  return std::make_unique<RetryRun>(app);
}

}  // namespace workspaced::api
