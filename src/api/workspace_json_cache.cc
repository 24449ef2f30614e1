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

StatusOr<WorkspaceJsonCache::Rendered> WorkspaceJsonCache::Render(store::Tx& tx,
                                                                  std::string_view id) {
  Rendered r;
  WS_ASSIGN_OR_RETURN(r.stamp, tx.GetWorkspaceStamp(id));
  if (AppendIfCached(r.stamp, r.json)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return r;
  }
  WS_RETURN_IF_ERROR(AppendFresh(tx, r.stamp, r.json));
  return r;
}

Status WorkspaceJsonCache::AppendFresh(store::Tx& tx, const store::WorkspaceStamp& stamp,
                                       std::string& out) {
  misses_.fetch_add(1, std::memory_order_relaxed);
  WS_ASSIGN_OR_RETURN(const model::Workspace ws, tx.GetWorkspace(stamp.id));
  std::string json = WorkspaceJson(ws);
  out += json;
  // Cached under the row's own stamp: the same as `stamp` in this snapshot.
  Put({ws.id, ws.version, ws.updated_at}, std::move(json));
  return Status::Ok();
}

bool WorkspaceJsonCache::AppendIfCached(const store::WorkspaceStamp& stamp,
                                        std::string& out) const {
  std::shared_lock lock(mu_);
  const auto it = entries_.find(stamp.id);
  if (it == entries_.end() || it->second.version != stamp.version ||
      it->second.updated_at != stamp.updated_at)
    return false;
  out += it->second.json;
  return true;
}

void WorkspaceJsonCache::Put(const store::WorkspaceStamp& stamp, std::string json) {
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
  entries_[stamp.id] = Entry{stamp.version, stamp.updated_at, std::move(json)};
}

}  // namespace workspaced::api
