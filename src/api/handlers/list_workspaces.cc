// GET /v1/workspaces — the caller's workspaces, via direct memberships and
// group mappings. Permission: implicit via membership.
#include "api/handlers/handlers.h"
#include "api/pagination.h"
#include "api/workspace_json_cache.h"

namespace workspaced::api {
namespace {

class ListWorkspaces final : public Handler {
 public:
  ListWorkspaces(app::App& app, std::shared_ptr<WorkspaceJsonCache> cache)
      : app_(app), cache_(std::move(cache)) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(store::Page page, ParsePage(ctx.request, 100, 1000));
    std::vector<store::WorkspaceStamp> list;
    std::string body;
    const store::Page probe = Probe(page);
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(
          list, tx.ListWorkspacesForSubject(ctx.principal->subject, ctx.principal->groups, probe));
      FinishPage(list, page, ctx.request.path, out);
      WS_ASSIGN_OR_RETURN(body, cache_->RenderList(tx, list));
      return Status::Ok();
    }));
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const std::shared_ptr<WorkspaceJsonCache> cache_;
};

}  // namespace

std::unique_ptr<Handler> MakeListWorkspaces(app::App& app,
                                            std::shared_ptr<WorkspaceJsonCache> cache) {
  return std::make_unique<ListWorkspaces>(app, std::move(cache));
}

}  // namespace workspaced::api
