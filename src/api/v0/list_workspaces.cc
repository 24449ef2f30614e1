// GET /v0/workspaces — the caller's workspaces (the same as GET
// /v1/workspaces: direct memberships and group mappings), one bare array.
#include "api/v0/handlers.h"
#include "api/v0/workspace_json.h"

namespace workspaced::api::v0 {
namespace {

// Blaxel's list has no paging: the array holds at most this many.
constexpr int kMaxListed = 1000;

class ListWorkspaces final : public Handler {
 public:
  explicit ListWorkspaces(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    WS_RETURN_IF_ERROR(CheckQuery(ctx.request, {}));
    const auth::Principal& who = *ctx.principal;
    std::string body = "[";
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(const std::vector<store::WorkspaceStamp> list,
                          tx.ListWorkspacesForSubject(who.subject, who.groups,
                                                      store::Page{"", kMaxListed}));
      for (const store::WorkspaceStamp& s : list) {
        WS_ASSIGN_OR_RETURN(const model::Workspace ws, tx.GetWorkspace(s.id));
        if (body.size() > 1) body += ",";
        body += WorkspaceJson(ws);
      }
      return Status::Ok();
    }));
    out.Json(200, body + "]");
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeListWorkspaces(app::App& app) {
  return std::make_unique<ListWorkspaces>(app);
}

}  // namespace workspaced::api::v0
