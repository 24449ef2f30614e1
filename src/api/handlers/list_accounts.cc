// GET /v1/accounts — every account for platform admins; for anyone else the
// accounts they may read by membership (direct, or through a group of the
// token): what GET /v1/accounts/{account_id} would answer 200 for, one by
// one. Paginated like the workspace lists.
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "api/pagination.h"

namespace workspaced::api {
namespace {

class ListAccounts final : public Handler {
 public:
  explicit ListAccounts(app::App& app) : app_(app), cursors_(app.cursor_key()) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const auth::Principal& who = *ctx.principal;
    // The caller's own list: another caller's cursor is for another list.
    const std::string scope = "accounts:" + who.subject;
    WS_ASSIGN_OR_RETURN(const store::Page page,
                        ParsePage(ctx.request, cursors_, scope, 100, 1000));
    const bool all = app_.IsPlatformAdmin(who.subject);
    std::vector<model::Account> list;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(list,
                          all ? tx.ListAccounts(Probe(page))
                              : tx.ListAccountsForSubject(who.subject, who.groups, Probe(page)));
      return Status::Ok();
    }));
    FinishPage(list, page, ctx.request.path, cursors_, scope, out);
    std::string body = "[";
    for (const model::Account& a : list) {
      if (body.size() > 1) body += ",";
      body += AccountJson(a);
    }
    out.Json(200, body + "]");
    return Status::Ok();
  }

 private:
  app::App& app_;
  const CursorCodec cursors_;
};

}  // namespace

std::unique_ptr<Handler> MakeListAccounts(app::App& app) {
  return std::make_unique<ListAccounts>(app);
}

}  // namespace workspaced::api
