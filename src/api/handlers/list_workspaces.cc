// GET /v1/workspaces — the caller's workspaces, via direct memberships and
// group mappings, optionally filtered (api/list_filters.h). Permission:
// implicit via membership; `?status=deleted` (or `deleting`) lists those of
// them the caller administers (docs/lifecycle.md).
#include "api/access.h"
#include "api/handlers/handlers.h"
#include "api/list_cache.h"
#include "api/list_filters.h"
#include "api/pagination.h"
#include "api/workspace_json_cache.h"

namespace workspaced::api {
namespace {

class ListWorkspaces final : public Handler {
 public:
  ListWorkspaces(app::App& app, std::shared_ptr<WorkspaceJsonCache> cache)
      : app_(app), cache_(std::move(cache)), cursors_(app.cursor_key()) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    // The caller's own list: another caller's cursor is for another list.
    const auth::Principal& who = *ctx.principal;
    WS_ASSIGN_OR_RETURN(const FilteredPage q,
                        ParseFilteredPage(ctx.request, cursors_, "workspaces:" + who.subject,
                                          app_.config().regions, 100, 1000));
    // A deleted (or deleting) workspace is shown only to those who may
    // restore it (api::Require): of the caller's memberships, those where
    // the authorizer grants administer, as one by one.
    const bool gone = q.filter.status && model::IsGone(*q.filter.status);
    // Nothing committed since this caller's same page was answered: the
    // same answer (ListCache; the target holds the filters). The version is
    // read before the snapshot, so a commit in between only makes the entry
    // look older than it is.
    std::optional<std::uint64_t> version;
    std::string key;
    if (app_.store().DataVersionCoversEveryWrite()) {
      WS_ASSIGN_OR_RETURN(version, app_.store().DataVersion());
      ListCache::AddKeyPart(key, ctx.principal->subject);
      for (const std::string& g : ctx.principal->groups) ListCache::AddKeyPart(key, g);
      ListCache::AddKeyPart(key, ctx.request.target);
      if (auto hit = lists_.Find(key, *version)) {
        for (auto& [name, value] : hit->headers) out.SetHeader(std::move(name), std::move(value));
        out.Json(200, std::move(hit->body));
        return Status::Ok();
      }
    }
    std::vector<store::WorkspaceStamp> list;
    std::string body;
    const store::Page probe = Probe(q.page);
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      if (gone) {
        WS_ASSIGN_OR_RETURN(list, Administered(tx, who, q.filter, probe));
      } else {
        WS_ASSIGN_OR_RETURN(list, q.filter.empty() ? tx.ListWorkspacesForSubject(
                                                         who.subject, who.groups, probe)
                                                   : tx.ListWorkspacesForSubjectMatching(
                                                         who.subject, who.groups, q.filter, probe));
      }
      FinishPage(list, q.page, ctx.request.path, cursors_, q.list, out, q.query);
      WS_ASSIGN_OR_RETURN(body, cache_->RenderList(tx, list));
      return Status::Ok();
    }));
    if (version) lists_.Put(std::move(key), *version, {body, out.headers});
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  // Up to `probe.limit` of the caller's memberships matching `filter` (a
  // gone status) on which the authorizer grants administer, reading on
  // past those it does not: a page is never cut short. The work is bounded
  // by the caller's own memberships in that status.
  StatusOr<std::vector<store::WorkspaceStamp>> Administered(store::Tx& tx,
                                                            const auth::Principal& who,
                                                            const store::WorkspaceFilter& filter,
                                                            store::Page probe) {
    std::vector<store::WorkspaceStamp> kept;
    for (;;) {
      WS_ASSIGN_OR_RETURN(auto read, tx.ListWorkspacesForSubjectMatching(who.subject, who.groups,
                                                                         filter, probe));
      const bool more = static_cast<int>(read.size()) == probe.limit;
      if (!read.empty()) probe.after = read.back().id;
      for (auto& w : read) {
        const authz::Decision d = app_.authorizer().Check(who, authz::Permission::kAdminister,
                                                          {authz::ObjectType::kWorkspace, w.id});
        if (d == authz::Decision::kError)
          return AuthorizationUnavailable();
        if (d == authz::Decision::kAllow) kept.push_back(std::move(w));
        if (static_cast<int>(kept.size()) == probe.limit) return kept;
      }
      if (!more) return kept;
    }
  }

  app::App& app_;
  const std::shared_ptr<WorkspaceJsonCache> cache_;
  ListCache lists_;
  const CursorCodec cursors_;
};

}  // namespace

std::unique_ptr<Handler> MakeListWorkspaces(app::App& app,
                                            std::shared_ptr<WorkspaceJsonCache> cache) {
  return std::make_unique<ListWorkspaces>(app, std::move(cache));
}

}  // namespace workspaced::api
