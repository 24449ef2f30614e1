// GET /v1/workspaces/by-account/{account_id}. Permission: read on account.
#include "api/access.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "api/pagination.h"

namespace workspaced::api {
namespace {

class ListWorkspacesByAccount final : public Handler {
 public:
  explicit ListWorkspacesByAccount(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& account_id = ctx.Param("account_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, account_id,
                               authz::Permission::kRead));
    WS_ASSIGN_OR_RETURN(store::Page page, ParsePage(ctx.request, 100, 1000));
    std::vector<model::Workspace> list;
    const store::Page probe = Probe(page);
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(list, tx.ListWorkspacesByAccount(account_id, probe));
      return Status::Ok();
    }));
    FinishPage(list, page, ctx.request.path, out);
    out.Json(200, WorkspacesJson(list));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeListWorkspacesByAccount(app::App& app) {
  return std::make_unique<ListWorkspacesByAccount>(app);
}

}  // namespace workspaced::api
