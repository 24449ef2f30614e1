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
    WS_RETURN_IF_ERROR(Require(app_, *ctx.principal, authz::ObjectType::kAccount, account_id,
                               authz::Permission::kRead));
    WS_ASSIGN_OR_RETURN(store::Page page, ParsePage(ctx.request, 100, 1000));
    std::vector<model::Workspace> list;
    store::Page probe = page;
    probe.limit = page.limit + 1;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(list, tx.ListWorkspacesByAccount(account_id, probe));
      return Status::Ok();
    }));
    if (static_cast<int>(list.size()) > page.limit) {
      list.resize(static_cast<std::size_t>(page.limit));
      SetNextLink(out, ctx.request.path, page.limit, list.back().id);
    }
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
