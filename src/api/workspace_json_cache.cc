#include "api/workspace_json_cache.h"

#include <mutex>

#include "api/json_views.h"

namespace workspaced::api {

StatusOr<std::string> WorkspaceJsonCache::RenderList(
    store::Tx& tx, const std::vector<store::WorkspaceStamp>& stamps) {
  std::string out;
  out.reserve(700 * stamps.size() + 2);
  out.push_back('[');
  for (const store::WorkspaceStamp& stamp : stamps) {
    if (out.size() > 1) out.push_back(',');
    if (AppendIfCached(stamp, out)) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    WS_RETURN_IF_ERROR(AppendFresh(tx, stamp, out));
  }
  out.push_back(']');
  return out;
}

StatusOr<WorkspaceJsonCache::Rendered> WorkspaceJsonCache::Render(
    store::Tx& tx, std::string_view id, std::optional<std::uint64_t> version) {
  Rendered r;
  WS_ASSIGN_OR_RETURN(r.stamp, tx.GetWorkspaceStamp(id));
  if (AppendIfCached(r.stamp, r.json, version)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return r;
  }
  WS_RETURN_IF_ERROR(AppendFresh(tx, r.stamp, r.json, version));
  return r;
}

std::optional<WorkspaceJsonCache::Rendered> WorkspaceJsonCache::FindCurrent(
    std::string_view id, std::uint64_t version) {
  std::shared_lock lock(mu_);
  const auto it = entries_.find(std::string(id));
  if (it == entries_.end() || it->second.current_at != version) return std::nullopt;
  hits_.fetch_add(1, std::memory_order_relaxed);
  return Rendered{{it->first, it->second.version, it->second.updated_at}, it->second.json};
}

Status WorkspaceJsonCache::AppendFresh(store::Tx& tx, const store::WorkspaceStamp& stamp,
                                       std::string& out, std::optional<std::uint64_t> current_at) {
  misses_.fetch_add(1, std::memory_order_relaxed);
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, tx.GetWorkspace(stamp.id));
  std::string json = WorkspaceJson(ws);
  out += json;
  // Cached under the row's own stamp: the same as `stamp` in this snapshot.
  Put({ws.id, ws.version, ws.updated_at}, std::move(json), current_at);
  return Status::Ok();
}

bool WorkspaceJsonCache::AppendIfCached(const store::WorkspaceStamp& stamp, std::string& out,
                                        std::optional<std::uint64_t> current_at) {
  const auto matches = [&](const Entry& e) {
    return e.version == stamp.version && e.updated_at == stamp.updated_at;
  };
  if (!current_at) {
    std::shared_lock lock(mu_);
    const auto it = entries_.find(stamp.id);
    if (it == entries_.end() || !matches(it->second)) return false;
    out += it->second.json;
    return true;
  }
  std::unique_lock lock(mu_);
  const auto it = entries_.find(stamp.id);
  if (it == entries_.end() || !matches(it->second)) return false;
  out += it->second.json;
  it->second.current_at = current_at;
  return true;
}

void WorkspaceJsonCache::Put(const store::WorkspaceStamp& stamp, std::string json,
                             std::optional<std::uint64_t> current_at) {
  std::unique_lock lock(mu_);
  // A newer rendering replaces the older one of the same workspace: only
  // the difference counts against the bound.
  const auto it = entries_.find(stamp.id);
  const std::size_t replaced = it == entries_.end() ? 0 : it->second.json.size();
  if (bytes_ - replaced + json.size() > max_bytes_) {
    entries_.clear();
    bytes_ = 0;
  } else {
    bytes_ -= replaced;
  }
  bytes_ += json.size();
  entries_[stamp.id] = Entry{stamp.version, stamp.updated_at, std::move(json), current_at};
}

}  // namespace workspaced::api
