// The operations resource (docs/lifecycle.md): every long-running change
// of a workspace — create, retry, delete, purge, restore — is a run of the
// saga engine, shown as an operation.
//   GET  /v1/operations/{operation_id}          read on its workspace
//   GET  /v1/workspaces/{workspace_id}/operations  read; paged, id order
//   POST /v1/operations/{operation_id}/cancel   administer on its workspace
//                                               (Idempotency-Key honoured)
// /v1/provisioning-runs/{run_id} shows the create and retry kinds of the
// same rows, as it always has (provisioning_runs.cc).
#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/idempotency.h"
#include "api/json_views.h"
#include "api/pagination.h"

namespace workspaced::api {
namespace {

constexpr char kOperationNotFound[] = "operation not found";

StatusOr<model::ProvisioningRun> LoadOperation(app::App& app, const std::string& id) {
  if (!IsUuid(id)) return NotFound(kOperationNotFound);
  model::ProvisioningRun op;
  WS_RETURN_IF_ERROR(app.store().Read([&](store::Tx& tx) -> Status {
    StatusOr<model::ProvisioningRun> got = tx.GetRun(id);
    if (!got.ok()) {
      return got.status().code() == Code::kNotFound ? NotFound(kOperationNotFound)
                                                    : got.status();
    }
    op = std::move(*got);
    return Status::Ok();
  }));
  return op;
}

// The account of workspace `id` when the workspace is purged (its tombstone
// keeps the account); empty otherwise.
StatusOr<std::string> PurgedWorkspaceAccount(app::App& app, const std::string& id) {
  std::string account;
  WS_RETURN_IF_ERROR(app.store().Read([&](store::Tx& tx) -> Status {
    StatusOr<model::Workspace> ws = tx.GetWorkspace(id);
    if (!ws.ok()) return ws.status().code() == Code::kNotFound ? Status::Ok() : ws.status();
    if (ws->status == model::WorkspaceStatus::kPurged) account = ws->account_id;
    return Status::Ok();
  }));
  return account;
}

}  // namespace

Status RequireOnOperation(app::App& app, RequestContext& ctx, const model::ProvisioningRun& op,
                          authz::Permission need, std::string_view not_found) {
  const Status s = Require(app, ctx, authz::ObjectType::kWorkspace, op.workspace_id, need);
  if (s.code() != Code::kNotFound) return s;
  WS_ASSIGN_OR_RETURN(const std::string account, PurgedWorkspaceAccount(app, op.workspace_id));
  if (!account.empty()) {
    std::optional<Denial> refused = std::move(ctx.denial);
    const Status admin =
        Require(app, ctx, authz::ObjectType::kAccount, account, authz::Permission::kAdminister);
    if (admin.ok()) {
      ctx.denial.reset();
      // What the account's admins read stays what they read: a change is
      // refused for the operation's state, not as if it did not exist.
      if (need == authz::Permission::kRead) return admin;
      return Conflict("the workspace was purged: its operations stay readable and can no "
                      "longer be changed");
    }
    if (admin.code() == Code::kUnavailable) return admin;
    ctx.denial = std::move(refused);
  }
  return NotFound(std::string(not_found));
}

namespace {

class GetOperation final : public Handler {
 public:
  explicit GetOperation(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::ProvisioningRun op,
                        LoadOperation(app_, ctx.Param("operation_id")));
    WS_RETURN_IF_ERROR(RequireOnOperation(app_, ctx, op, authz::Permission::kRead,
                                          kOperationNotFound));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    out.Json(200, OperationJson(op));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class ListOperations final : public Handler {
 public:
  explicit ListOperations(app::App& app) : app_(app), cursors_(app.cursor_key()) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    const std::string scope = "operations:" + id;
    WS_ASSIGN_OR_RETURN(const store::Page page, ParsePage(ctx.request, cursors_, scope, 100, 1000));
    std::vector<model::ProvisioningRun> ops;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(ops, tx.ListRunsForWorkspace(id, Probe(page)));
      return Status::Ok();
    }));
    FinishPage(ops, page, ctx.request.path, cursors_, scope, out);
    std::string body = "[";
    for (const auto& op : ops) {
      if (body.size() > 1) body += ",";
      body += OperationJson(op);
    }
    out.Json(200, body + "]");
    return Status::Ok();
  }

 private:
  app::App& app_;
  const CursorCodec cursors_;
};

class CancelOperation final : public Handler {
 public:
  explicit CancelOperation(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(const model::ProvisioningRun op,
                        LoadOperation(app_, ctx.Param("operation_id")));
    WS_RETURN_IF_ERROR(RequireOnOperation(app_, ctx, op, authz::Permission::kAdminister,
                                          kOperationNotFound));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    if (!ctx.request.body.empty()) return InvalidArgument("this endpoint takes no request body");
    return RunIdempotent(
        app_, ctx, out, [&](const Idempotency& idem) -> StatusOr<IdempotentResponse> {
          IdempotentResponse response;
          WS_RETURN_IF_ERROR(
              app_.workspaces()
                  .CancelOperation(ActorOf(ctx), op.id,
                                   [&](store::Tx& tx, const domain::LifecycleResult& done) {
                                     response = OperationResponse(done, /*location=*/false);
                                     return idem.Complete(tx, response);
                                   })
                  .status());
          return response;
        });
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeGetOperation(app::App& app) {
  return std::make_unique<GetOperation>(app);
}
std::unique_ptr<Handler> MakeListOperations(app::App& app) {
  return std::make_unique<ListOperations>(app);
}
std::unique_ptr<Handler> MakeCancelOperation(app::App& app) {
  return std::make_unique<CancelOperation>(app);
}

}  // namespace workspaced::api
