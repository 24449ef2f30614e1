// DELETE /v1/workspaces/{workspace_id} (administer on the workspace; with
// ?force=true also on its account) → 202 with the delete operation, and
// POST /v1/workspaces/{workspace_id}/restore (administer) → 200 with the
// restore operation (Idempotency-Key honoured). The rules are Workspaces::Delete's and ::Restore's
// (domain/workspaces.h, docs/lifecycle.md).
#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/idempotency.h"
#include "api/if_match.h"
#include "api/json_views.h"
#include "common/text.h"

namespace workspaced::api {
namespace {

// `force`: absent or false, true; anything else (or another parameter) 400.
StatusOr<bool> ParseForce(const http::Request& request) {
  for (const std::string& name : request.QueryNames()) {
    if (name != "force")
      return InvalidArgument("unknown query parameter '" + BoundedText(name, 64) + "'");
  }
  if (request.QueryCount("force") > 1) return InvalidArgument("'force' given more than once");
  const std::optional<std::string> force = request.QueryParam("force");
  if (!force || *force == "false") return false;
  if (*force == "true") return true;
  return InvalidArgument("'force' must be true or false");
}

// The account of a workspace the caller may administer (to check who may
// force its delete).
StatusOr<std::string> AccountOf(app::App& app, const std::string& workspace_id) {
  std::string account;
  WS_RETURN_IF_ERROR(app.store().Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const model::Workspace ws, tx.GetWorkspace(workspace_id));
    account = ws.account_id;
    return Status::Ok();
  }));
  return account;
}

class DeleteWorkspace final : public Handler {
 public:
  explicit DeleteWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kAdminister));
    WS_ASSIGN_OR_RETURN(const bool force, ParseForce(ctx.request));
    if (!ctx.request.body.empty()) return InvalidArgument("this endpoint takes no request body");
    if (force) {
      // Safe delete's override is the account's admins' (or a platform
      // admin's): a workspace admin may not discard what the pillars hold.
      WS_ASSIGN_OR_RETURN(const std::string account, AccountOf(app_, id));
      const Status s =
          Require(app_, ctx, authz::ObjectType::kAccount, account, authz::Permission::kAdminister);
      if (!s.ok()) {
        if (s.code() != Code::kNotFound && s.code() != Code::kPermissionDenied) return s;
        ctx.denial = Denial{"account", account, "administer"};
        return PermissionDenied(
            "only an admin of the workspace's account may delete with "
            "force=true");
      }
    }
    WS_ASSIGN_OR_RETURN(
        const domain::LifecycleResult done,
        app_.workspaces().Delete(ActorOf(ctx), id, force, IfMatchWorkspace(ctx.request)));
    out.SetHeader("Location", "/v1/operations/" + done.operation.id);
    out.Json(202, OperationJson(done.operation));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class RestoreWorkspace final : public Handler {
 public:
  explicit RestoreWorkspace(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kAdminister));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    if (!ctx.request.body.empty()) return InvalidArgument("this endpoint takes no request body");
    // With an Idempotency-Key, a retried restore gets the first answer
    // (without its ETag, which is the workspace's at that moment).
    std::string etag;
    WS_RETURN_IF_ERROR(
        RunIdempotent(app_, ctx, out, [&](const Idempotency& idem) -> StatusOr<IdempotentResponse> {
          IdempotentResponse response;
          WS_RETURN_IF_ERROR(app_.workspaces()
                                 .Restore(ActorOf(ctx), id,
                                          [&](store::Tx& tx, const domain::LifecycleResult& done) {
                                            response = OperationResponse(done, /*location=*/true);
                                            etag = WorkspaceEtag(done.workspace);
                                            return idem.Complete(tx, response);
                                          })
                                 .status());
          return response;
        }));
    if (!etag.empty()) out.SetHeader("ETag", etag);
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeDeleteWorkspace(app::App& app) {
  return std::make_unique<DeleteWorkspace>(app);
}
std::unique_ptr<Handler> MakeRestoreWorkspace(app::App& app) {
  return std::make_unique<RestoreWorkspace>(app);
}

}  // namespace workspaced::api
