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
#include <optional>
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
  // read with `tx` and cached. With `version` (Store::DataVersion, read
  // before `tx` began), the entry is also marked current at it, for
  // FindCurrent. kNotFound, kInternal from the store.
  struct Rendered {
    store::WorkspaceStamp stamp;
    std::string json;
  };
  StatusOr<Rendered> Render(store::Tx& tx, std::string_view id,
                            std::optional<std::uint64_t> version = std::nullopt);
  // The workspace as last rendered, with no read at all, when a Render
  // marked it current at `version` — which only a store whose DataVersion
  // covers every write may rely on: nothing was committed since, so the
  // row is still that one. nullopt otherwise.
  std::optional<Rendered> FindCurrent(std::string_view id, std::uint64_t version);

  // Workspaces rendered from the cache, and read and rendered afresh.
  std::size_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::size_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::int64_t version = 0;
    Micros updated_at = 0;
    std::string json;
    std::optional<std::uint64_t> current_at;  // the DataVersion a Render saw it at
  };
  // Appends the rendering cached under `stamp`; with `current_at`, marks it
  // current at that data version (under the same lock as the match).
  bool AppendIfCached(const store::WorkspaceStamp& stamp, std::string& out,
                      std::optional<std::uint64_t> current_at = std::nullopt);
  // Reads the workspace with `tx`, appends its JSON to `out`, caches it.
  Status AppendFresh(store::Tx& tx, const store::WorkspaceStamp& stamp, std::string& out,
                     std::optional<std::uint64_t> current_at = std::nullopt);
  void Put(const store::WorkspaceStamp& stamp, std::string json,
           std::optional<std::uint64_t> current_at);

  const std::size_t max_bytes_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
  std::size_t bytes_ = 0;                           // GUARDED_BY(mu_)
  std::atomic<std::size_t> hits_ = 0;
  std::atomic<std::size_t> misses_ = 0;
};

}  // namespace workspaced::api
