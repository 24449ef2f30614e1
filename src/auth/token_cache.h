// A bounded cache of verified tokens, so a client repeating its bearer token
// costs one hash lookup instead of base64 decoding, JSON parsing and a
// signature check.
//
// Keyed by the full token text; only verified tokens are ever inserted. An
// entry is never returned at or after its cutoff second. Eviction is FIFO
// within a shard: cheap, and an evicted token is merely verified again.
//
// Thread-safety: every method may be called concurrently. The cache is split
// into shards, each with its own mutex, so concurrent requests rarely contend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.h"

namespace workspaced::auth {

class TokenCache {
 public:
  // Holds at most `capacity` tokens; 0 disables caching.
  explicit TokenCache(std::size_t capacity);

  // The cached principal for `token` if present, now_seconds < its cutoff
  // and it was verified with the keys of `generation`; null otherwise.
  std::shared_ptr<const Principal> Lookup(std::string_view token, std::int64_t now_seconds,
                                          std::uint64_t generation = 0) const;

  // Remembers `principal` for `token` until `cutoff_seconds` (exclusive),
  // verified with the keys of `generation` (an entry of another generation
  // is never returned: keys withdrawn since), evicting the shard's oldest
  // entry when it is full. An existing entry for the same token is replaced.
  void Insert(std::string_view token, std::shared_ptr<const Principal> principal,
              std::int64_t cutoff_seconds, std::uint64_t generation = 0);

  std::size_t size() const;
  // The bound actually enforced; never more than the capacity asked for.
  std::size_t capacity() const { return shard_count_ * per_shard_capacity_; }

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    std::int64_t cutoff_seconds = 0;
    std::uint64_t generation = 0;
  };
  struct Hash {
    using is_transparent = void;  // look up by string_view without copying the token
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mu;
    // Guarded by mu.
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;
    // Guarded by mu. Keys of `entries`, oldest first; the views stay valid
    // because map nodes never move and entries are erased only via this queue.
    std::deque<std::string_view> fifo;
  };

  Shard& ShardFor(std::string_view token) const;

  std::size_t shard_count_;
  std::size_t per_shard_capacity_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace workspaced::auth
