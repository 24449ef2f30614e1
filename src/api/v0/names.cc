#include "api/v0/names.h"

#include <cctype>
#include <vector>

#include "api/access.h"
#include "api/v0/dialect.h"
#include "common/random.h"
#include "domain/slug.h"

namespace workspaced::api::v0 {
namespace {

// The ids of the workspaces named `name` that the caller reads, and the
// first one it does not (for the audit of a refusal).
struct Named {
  std::vector<std::string> readable;
  std::string unreadable;
};

StatusOr<Named> FindNamed(app::App& app, const auth::Principal& who, std::string_view name) {
  Named named;
  if (!domain::IsValidSlug(name)) return named;  // no workspace has it
  std::vector<store::WorkspaceStamp> stamps;
  WS_RETURN_IF_ERROR(app.store().Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(stamps, tx.ListWorkspacesWithSlug(name, kMaxSameName));
    return Status::Ok();
  }));
  // A name no workspace has costs the same check as one some workspace has
  // (on an id none has), so that how long a refusal takes does not tell
  // whether the name exists (about 15 us on loopback without it).
  static constexpr char kNoWorkspace[] = "00000000-0000-7000-8000-000000000000";
  if (stamps.empty())
    (void)app.authorizer().Check(who, authz::Permission::kRead,
                                 {authz::ObjectType::kWorkspace, kNoWorkspace});
  for (const store::WorkspaceStamp& s : stamps) {
    switch (app.authorizer().Check(who, authz::Permission::kRead,
                                   {authz::ObjectType::kWorkspace, s.id})) {
      case authz::Decision::kAllow:
        named.readable.push_back(s.id);
        break;
      case authz::Decision::kDeny:
        if (named.unreadable.empty()) named.unreadable = s.id;
        break;
      case authz::Decision::kError:
        return AuthorizationUnavailable();
    }
  }
  return named;
}

}  // namespace

StatusOr<model::Workspace> ResolveName(app::App& app, RequestContext& ctx, std::string_view name,
                                       authz::Permission need) {
  WS_ASSIGN_OR_RETURN(const Named named, FindNamed(app, *ctx.principal, name));
  if (named.readable.empty()) {
    // Recorded as on /v1, the same way whether a workspace of that name
    // exists (chained) or none does (no id: counted); which it is, is found
    // after the answer (domain/denials.h). A name no workspace can have is
    // not a refusal, as an id that is not a UUID is not on /v1.
    if (domain::IsValidSlug(name)) ctx.denial = Denial{"workspace", named.unreadable, "read"};
    return NotFound("workspace not found");
  }
  if (named.readable.size() > 1) {
    return WithErrorWord(
        Conflict(std::to_string(named.readable.size()) +
                 " workspaces you can read have this name, in different accounts; rename one "
                 "(PATCH /v1/workspaces/{id} with a new slug) or use /v1 by id"),
        "ambiguous_name");
  }
  const std::string& id = named.readable.front();
  WS_RETURN_IF_ERROR(Require(app, ctx, authz::ObjectType::kWorkspace, id, need));
  model::Workspace ws;
  WS_RETURN_IF_ERROR(app.store().Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(id));
    return Status::Ok();
  }));
  return ws;
}

StatusOr<model::Workspace> ResolveContext(app::App& app, RequestContext& ctx,
                                          authz::Permission need) {
  const http::Request& r = ctx.request;
  if (r.HeaderCount("X-Blaxel-Workspace") > 1 || r.QueryCount("workspace") > 1)
    return InvalidArgument("name the workspace once");
  const std::string header(r.HeaderValue("X-Blaxel-Workspace"));
  const std::optional<std::string> query = r.QueryParam("workspace");
  if (query && !header.empty() && *query != header)
    return InvalidArgument("X-Blaxel-Workspace and ?workspace= name different workspaces");
  const std::string name = query ? *query : header;
  if (name.empty())
    return InvalidArgument("name the workspace in X-Blaxel-Workspace (or ?workspace=)");
  return ResolveName(app, ctx, name, need);
}

StatusOr<bool> CallerSees(app::App& app, const RequestContext& ctx, std::string_view name) {
  WS_ASSIGN_OR_RETURN(const Named named, FindNamed(app, *ctx.principal, name));
  return !named.readable.empty();
}

StatusOr<std::string> TargetAccount(app::App& app, const RequestContext& ctx,
                                    const std::optional<std::string>& account_id) {
  if (account_id) {
    if (!IsUuid(*account_id)) return InvalidArgument("accountId must be an account's id (a UUID)");
    std::string id = *account_id;
    for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return id;
  }
  const auth::Principal& who = *ctx.principal;
  // Enough to tell one from several; the caller names the account otherwise.
  const store::Page page{"", 100};
  std::vector<model::Account> accounts;
  WS_RETURN_IF_ERROR(app.store().Read([&](store::Tx& tx) -> Status {
    if (app.IsPlatformAdmin(who.subject)) {
      WS_ASSIGN_OR_RETURN(accounts, tx.ListAccounts(page));
    } else {
      WS_ASSIGN_OR_RETURN(accounts, tx.ListAccountsForSubject(who.subject, who.groups, page));
    }
    return Status::Ok();
  }));
  std::vector<std::string> administered;
  for (const model::Account& a : accounts) {
    switch (app.authorizer().Check(who, authz::Permission::kAdminister,
                                   {authz::ObjectType::kAccount, a.id})) {
      case authz::Decision::kAllow:
        administered.push_back(a.id);
        break;
      case authz::Decision::kDeny:
        break;
      case authz::Decision::kError:
        return AuthorizationUnavailable();
    }
  }
  if (administered.size() == 1) return administered.front();
  if (administered.empty())
    return PermissionDenied("you administer no account a workspace could be created in");
  return WithErrorWord(
      InvalidArgument("you administer several accounts; name one in accountId"),
      "account_required");
}

bool IsReservedName(std::string_view name) { return domain::IsReservedSlug(name); }

}  // namespace workspaced::api::v0
