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
    run = std::move(*got);
    return Status::Ok();
  }));
  return run;
}

// Require() names the workspace in its 404; for a run the caller asked for
// the run, whose existence must not leak either.
Status RequireOnRun(app::App& app, RequestContext& ctx, const model::ProvisioningRun& run,
                    authz::Permission need) {
  const Status s = Require(app, ctx, authz::ObjectType::kWorkspace, run.workspace_id, need);
  if (s.code() == Code::kNotFound) return NotFound(kRunNotFound);
  return s;
}

class GetRun final : public Handler {
 public:
  explicit GetRun(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::ProvisioningRun run, LoadRun(app_, ctx.Param("run_id")));
    WS_RETURN_IF_ERROR(RequireOnRun(app_, ctx, run, authz::Permission::kRead));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
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
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    if (!ctx.request.body.empty()) return InvalidArgument("this endpoint takes no request body");
    return RunIdempotent(app_, ctx, out,
                         [&](const Idempotency& idem) { return Retry(ctx, run.id, idem); });
  }

 private:
  StatusOr<IdempotentResponse> Retry(RequestContext& ctx, const std::string& failed_id,
                                     const Idempotency& idem) {
    IdempotentResponse response;
    WS_RETURN_IF_ERROR(app_.store().Write([&](store::Tx& tx) -> Status {
      const Micros now = app_.clock().Now();
      WS_ASSIGN_OR_RETURN(const model::ProvisioningRun failed, tx.GetRun(failed_id));
      if (failed.state != model::RunState::kFailed) {
        return Conflict("only a failed run can be retried; this run is " +
                        std::string(model::ToString(failed.state)));
      }
      WS_ASSIGN_OR_RETURN(const auto latest, tx.LatestRunForWorkspace(failed.workspace_id));
      if (latest && latest->id != failed.id) {
        return Conflict("this run was already retried by run " + latest->id + " (" +
                        std::string(model::ToString(latest->state)) + ")");
      }
      WS_ASSIGN_OR_RETURN(model::Workspace ws, tx.GetWorkspace(failed.workspace_id));
      if (ws.status == model::WorkspaceStatus::kFrozen)
        return Status(Code::kLocked, "the workspace is frozen");
      ws.status = model::WorkspaceStatus::kProvisioning;
      ws.phase = model::ProvisioningPhase::kCreated;
      ws.status_reason.clear();
      ws.updated_at = now;
      ws.updated_by = ctx.principal->subject;
      ws.version += 1;
      WS_RETURN_IF_ERROR(tx.UpdateWorkspace(ws));

      const std::string run_id = NewUuidV7(app_.random(), app_.clock());
      WS_RETURN_IF_ERROR(tx.InsertRun(
          saga::NewProvisioningRun(run_id, ws.id, ctx.principal->subject, failed.id, now)));
      model::AuditEvent event = RequestAuditEvent(ctx, now, "provisioning.run.retried",
                                                  "provisioning_run", run_id, ws.id);
      event.details = boost::json::serialize(boost::json::object{{"retry_of", failed.id}});
      WS_RETURN_IF_ERROR(tx.AppendAudit(event));
      response = {202, ProvisioningAcceptedJson(ws, run_id), "/v1/provisioning-runs/" + run_id};
      return idem.Complete(tx, response);
    }));
    app_.engine().Wake();
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
