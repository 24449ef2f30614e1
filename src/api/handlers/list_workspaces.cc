// GET /v1/workspaces — the caller's workspaces, via direct memberships and
// group mappings. Permission: implicit via membership.
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "api/pagination.h"

namespace workspaced::api {
namespace {

class ListWorkspaces final : public Handler {
 public:
  explicit ListWorkspaces(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_ASSIGN_OR_RETURN(store::Page page, ParsePage(ctx.request, 100, 1000));
    std::vector<model::Workspace> list;
    const store::Page probe = Probe(page);
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(
          list, tx.ListWorkspacesForSubject(ctx.principal->subject, ctx.principal->groups, probe));
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

std::unique_ptr<Handler> MakeListWorkspaces(app::App& app) {
  return std::make_unique<ListWorkspaces>(app);
}

}  // namespace workspaced::api
