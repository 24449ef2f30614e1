// Whole list responses (body and paging headers) by caller and request
// target, valid while the store's data version is the one they were built
// at: any commit by anyone changes that version, so a cached response is
// exactly what the query would answer now — the same rule the relationship
// index uses to skip its refresh. Only for stores whose data version covers
// every write (Store::DataVersionCoversEveryWrite); the others never hit.
//
// Bounded: past `max_bytes` of bodies the cache starts over empty. A key is
// length-prefixed parts, so no two callers' parts can spell the same key.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace workspaced::api {

class ListCache {
 public:
  struct Entry {
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  explicit ListCache(std::size_t max_bytes = std::size_t{4} << 20) : max_bytes_(max_bytes) {}

  // Appends one part of a key.
  static void AddKeyPart(std::string& key, std::string_view part);

  std::optional<Entry> Find(const std::string& key, std::uint64_t data_version) const;
  void Put(std::string key, std::uint64_t data_version, Entry entry);

  std::size_t hits() const;

 private:
  struct Slot {
    std::uint64_t data_version = 0;
    Entry entry;
  };
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;  // guarded by mu_
  std::size_t bytes_ = 0;                        // guarded by mu_
  mutable std::size_t hits_ = 0;                 // guarded by mu_
};

}  // namespace workspaced::api
