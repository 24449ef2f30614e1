// GET /v1/workspaces/by-account/{account_id}, optionally filtered
// (api/list_filters.h). Permission: read on account.
#include "api/access.h"
#include "api/handlers/handlers.h"
#include "api/list_filters.h"
#include "api/pagination.h"
#include "api/workspace_json_cache.h"

namespace workspaced::api {
namespace {

class ListWorkspacesByAccount final : public Handler {
 public:
  ListWorkspacesByAccount(app::App& app, std::shared_ptr<WorkspaceJsonCache> cache)
      : app_(app), cache_(std::move(cache)), cursors_(app.cursor_key()) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& account_id = ctx.Param("account_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kAccount, account_id, authz::Permission::kRead));
    WS_ASSIGN_OR_RETURN(const FilteredPage q,
                        ParseFilteredPage(ctx.request, cursors_, "by-account:" + account_id,
                                          app_.config().regions, 100, 1000));
    // Deleted workspaces are listed for those who may restore them: the
    // account's admins (and platform admins).
    if (q.filter.status && model::IsGone(*q.filter.status)) {
      WS_RETURN_IF_ERROR(Require(app_, ctx, authz::ObjectType::kAccount, account_id,
                                 authz::Permission::kAdminister));
    }
    std::vector<store::WorkspaceStamp> list;
    std::string body;
    const store::Page probe = Probe(q.page);
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(
          list, q.filter.empty() ? tx.ListWorkspacesByAccount(account_id, probe)
                                 : tx.ListWorkspacesByAccountMatching(account_id, q.filter, probe));
      FinishPage(list, q.page, ctx.request.path, cursors_, q.list, out, q.query);
      WS_ASSIGN_OR_RETURN(body, cache_->RenderList(tx, list));
      return Status::Ok();
    }));
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const std::shared_ptr<WorkspaceJsonCache> cache_;
  const CursorCodec cursors_;
};

}  // namespace

std::unique_ptr<Handler> MakeListWorkspacesByAccount(app::App& app,
                                                     std::shared_ptr<WorkspaceJsonCache> cache) {
  return std::make_unique<ListWorkspacesByAccount>(app, std::move(cache));
}

}  // namespace workspaced::api
