#include "api/access.h"

#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/random.h"
#include "domain/workspace_rules.h"

namespace workspaced::api {
namespace {

// Workspace statuses as last read, each with the store's DataVersion read
// before it, so an entry is used only while nothing has been committed
// since (when the store says DataVersion covers every write; else every
// check reads the row). On the read path this saves a read
// transaction per request (docs/performance.md). Sharded to keep the
// workers from queueing on one mutex; each shard forgets everything when it
// holds kShardEntries.
class StatusCache {
 public:
  std::optional<model::WorkspaceStatus> Get(const store::Store* store, std::string_view id,
                                            std::uint64_t version) {
    Shard& s = ShardOf(id);
    std::lock_guard lock(s.mu);
    const auto it = s.entries.find(std::string(id));
    if (it == s.entries.end() || it->second.store != store || it->second.version != version)
      return std::nullopt;
    return it->second.status;
  }
  void Put(const store::Store* store, std::string_view id, std::uint64_t version,
           model::WorkspaceStatus status) {
    Shard& s = ShardOf(id);
    std::lock_guard lock(s.mu);
    if (s.entries.size() >= kShardEntries) s.entries.clear();
    s.entries[std::string(id)] = {store, version, status};
  }

 private:
  static constexpr std::size_t kShardEntries = 4096;
  struct Entry {
    const store::Store* store;
    std::uint64_t version;
    model::WorkspaceStatus status;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
  };
  Shard& ShardOf(std::string_view id) {
    return shards_[std::hash<std::string_view>{}(id) % shards_.size()];
  }
  std::array<Shard, 16> shards_;
};

StatusCache& Statuses() {
  static StatusCache* cache = new StatusCache();  // lives as long as the process
  return *cache;
}

// The status of workspace `id`; kNotFound when the store does not hold it.
StatusOr<model::WorkspaceStatus> StatusOf(store::Store& store, std::string_view id) {
  std::optional<std::uint64_t> version;
  if (store.DataVersionCoversEveryWrite()) {
    WS_ASSIGN_OR_RETURN(version, store.DataVersion());
    if (auto cached = Statuses().Get(&store, id, *version)) return *cached;
  }
  StatusOr<model::WorkspaceStatus> status = NotFound("workspace not found");
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    status = tx.GetWorkspaceStatus(id);
    return status.ok() || status.status().code() == Code::kNotFound ? Status::Ok()
                                                                    : status.status();
  }));
  // Tagged with the version read before the row: never newer than what it saw.
  if (status.ok() && version) Statuses().Put(&store, id, *version, *status);
  return status;
}

std::string_view Noun(authz::ObjectType t) {
  return t == authz::ObjectType::kAccount ? "account" : "workspace";
}

std::string_view PermissionName(authz::Permission p) {
  switch (p) {
    case authz::Permission::kRead:
      return "read";
    case authz::Permission::kWrite:
      return "write";
    case authz::Permission::kAdminister:
      return "administer";
    case authz::Permission::kRevealSecret:
      return "reveal_secret";
    case authz::Permission::kDetokenize:
      return "detokenize";
  }
  return "?";
}

// A workspace being deleted, or deleted, is shown only to those who may
// restore it (administer: its admins, its account's, platform admins) and
// is 404 to everyone else, whatever the endpoint; a purged one is 404 to
// all (docs/lifecycle.md). One primary-key read (or StatusCache); a
// workspace the store does not hold is left to the handler, which answers
// 404 itself.
Status RequireShown(app::App& app, RequestContext& ctx, std::string_view id,
                    authz::Permission need) {
  const StatusOr<model::WorkspaceStatus> status = StatusOf(app.store(), id);
  if (!status.ok()) {
    if (status.status().code() != Code::kNotFound) return status.status();
    return Status::Ok();
  }
  switch (*status) {
    case model::WorkspaceStatus::kPurged:
      return NotFound("workspace not found");
    case model::WorkspaceStatus::kDeleting:
    case model::WorkspaceStatus::kDeleted:
      break;
    default:
      return Status::Ok();
  }
  if (need == authz::Permission::kAdminister) return Status::Ok();
  const authz::Decision d = app.authorizer().Check(*ctx.principal, authz::Permission::kAdminister,
                                                   {authz::ObjectType::kWorkspace, id});
  if (d == authz::Decision::kAllow) return Status::Ok();
  if (d == authz::Decision::kError) return AuthorizationUnavailable();
  ctx.denial = Denial{"workspace", std::string(id), "administer"};
  return NotFound("workspace not found");
}

}  // namespace

Status AuthorizationUnavailable() {
  return Unavailable("authorization is temporarily unavailable")
      .WithCause(Cause::kAuthorizationUnavailable);
}

Status Require(app::App& app, RequestContext& ctx, authz::ObjectType type, std::string_view id,
               authz::Permission need) {
  const std::string not_found = std::string(Noun(type)) + " not found";
  if (!IsUuid(id)) return NotFound(not_found);
  const auth::Principal& who = *ctx.principal;
  authz::Authorizer& authz = app.authorizer();
  const authz::Decision d = authz.Check(who, need, {type, id});
  if (d == authz::Decision::kAllow) {
    ctx.grants.push_back({type, std::string(id), need});
    if (type != authz::ObjectType::kWorkspace) return Status::Ok();
    WS_RETURN_IF_ERROR(RequireShown(app, ctx, id, need));
    // Only a workspace can be frozen: a later check on its account (a
    // forced delete's) leaves the refusal on the workspace's record.
    ctx.granted = Denial{"workspace", std::string(id), std::string(PermissionName(need))};
    return Status::Ok();
  }
  if (d == authz::Decision::kError) return AuthorizationUnavailable();
  ctx.denial = Denial{std::string(Noun(type)), std::string(id), std::string(PermissionName(need))};
  if (need == authz::Permission::kRead) return NotFound(not_found);
  const authz::Decision read = authz.Check(who, authz::Permission::kRead, {type, id});
  if (read == authz::Decision::kError) return AuthorizationUnavailable();
  if (read == authz::Decision::kDeny) return NotFound(not_found);
  // One who may read a deleted workspace only still does not see it.
  if (type == authz::ObjectType::kWorkspace)
    WS_RETURN_IF_ERROR(RequireShown(app, ctx, id, authz::Permission::kRead));
  return PermissionDenied("this requires the '" + std::string(PermissionName(need)) +
                          "' permission on the " + std::string(Noun(type)));
}

Status RequireStillReadable(app::App& app, std::shared_ptr<const auth::Principal> who,
                            std::string_view workspace_id) {
  static const http::Request kNoRequest;  // Require reads only the principal
  RequestContext ctx{kNoRequest};
  ctx.principal = std::move(who);
  return Require(app, ctx, authz::ObjectType::kWorkspace, workspace_id, authz::Permission::kRead);
}

Status GrantCheck::Check(store::Tx& tx) {
  for (const RequestContext::Grant& g : ctx_.grants) {
    WS_ASSIGN_OR_RETURN(const bool allowed,
                        authorizer_.AllowedIn(tx, *ctx_.principal, g.permission, {g.type, g.id}));
    if (!allowed) {
      // A workspace's grants go with its purge (remove_relationships): its
      // status says so, not a withdrawn permission (outside audit: a
      // restore or a write racing the purge was told its permission was
      // withdrawn, as if access had been taken from the caller).
      if (g.type == authz::ObjectType::kWorkspace) {
        StatusOr<model::Workspace> ws = tx.GetWorkspace(g.id);
        if (ws.ok() && model::IsGone(ws->status)) {
          if (ws->status == model::WorkspaceStatus::kPurged) return NotFound("workspace not found");
          return Conflict(domain::WorkspaceIs(ws->status) +
                          " and its purge has begun; nothing was changed");
        }
      }
      return PermissionDenied("the '" + std::string(PermissionName(g.permission)) +
                              "' permission on the " + std::string(Noun(g.type)) +
                              " was withdrawn while this request ran; nothing was changed");
    }
  }
  return Status::Ok();
}

Status RequirePlatformAdminOf(app::App& app, RequestContext& ctx, std::string_view account_id,
                              std::string_view what) {
  WS_RETURN_IF_ERROR(
      Require(app, ctx, authz::ObjectType::kAccount, account_id, authz::Permission::kRead));
  if (app.IsPlatformAdmin(ctx.principal->subject)) return Status::Ok();
  ctx.denial = Denial{"account", std::string(account_id), "platform_admin"};
  return PermissionDenied("only platform admins " + std::string(what));
}

}  // namespace workspaced::api
