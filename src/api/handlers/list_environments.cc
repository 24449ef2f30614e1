// GET /v1/workspaces/{workspace_id}/environments — dev, staging, prod.
// Permission: read on workspace.
#include <algorithm>

#include "api/access.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"

namespace workspaced::api {
namespace {

class ListEnvironments final : public Handler {
 public:
  explicit ListEnvironments(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    std::vector<model::Environment> list;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(list, tx.ListEnvironments(id));
      return Status::Ok();
    }));
    // Promotion order (dev, staging, prod), not id order: ids made in the
    // same millisecond do not sort by creation.
    auto rank = [](const model::Environment& e) {
      return e.name == "dev" ? 0 : e.name == "staging" ? 1 : e.name == "prod" ? 2 : 3;
    };
    std::stable_sort(list.begin(), list.end(), [&](const auto& a, const auto& b) {
      return rank(a) != rank(b) ? rank(a) < rank(b) : a.name < b.name;
    });
    out.Json(200, EnvironmentsJson(list));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeListEnvironments(app::App& app) {
  return std::make_unique<ListEnvironments>(app);
}

}  // namespace workspaced::api
