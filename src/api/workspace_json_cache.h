// The rendered JSON of workspaces, by stamp (store.h WorkspaceStamp): a list
// is one narrow query for the stamps, then a copy of each cached rendering;
// only workspaces changed since they were cached are read and rendered
// again. Equal stamps mean equal rows, in this process or any other on the
// database, so a cached rendering is never stale — it is just not used.
//
// Bounded: past `max_bytes` of renderings the cache starts over empty.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace workspaced::api {

class WorkspaceJsonCache {
 public:
  explicit WorkspaceJsonCache(std::size_t max_bytes = std::size_t{8} << 20)
      : max_bytes_(max_bytes) {}

  // The JSON array of the workspaces `stamps` name, in their order: cached
  // renderings where the stamp matches, the others read with `tx` (the
  // snapshot the stamps came from) and cached. kNotFound, kInternal from
  // the store.
  StatusOr<std::string> RenderList(store::Tx& tx, const std::vector<store::WorkspaceStamp>& stamps);

  // One workspace: its stamp (one narrow read) and its JSON, cached or
  // read with `tx` and cached. kNotFound, kInternal from the store.
  struct Rendered {
    store::WorkspaceStamp stamp;
    std::string json;
  };
  StatusOr<Rendered> Render(store::Tx& tx, std::string_view id);

  // Workspaces rendered from the cache, and read and rendered afresh.
  std::size_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::size_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::int64_t version = 0;
    Micros updated_at = 0;
    std::string json;
  };
  bool AppendIfCached(const store::WorkspaceStamp& stamp, std::string& out) const;
  // Reads the workspace with `tx`, appends its JSON to `out`, caches it.
  Status AppendFresh(store::Tx& tx, const store::WorkspaceStamp& stamp, std::string& out);
  void Put(const store::WorkspaceStamp& stamp, std::string json);

  const std::size_t max_bytes_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  std::size_t bytes_ = 0;                           // GUARDED_BY(mu_)
  std::atomic<std::size_t> hits_ = 0;
  std::atomic<std::size_t> misses_ = 0;
};

}  // namespace workspaced::api
