// A bounded table of token buckets with one budget, one bucket per key (a
// client address or a principal). A bucket is the generic cell rate
// algorithm: one "theoretical arrival time" per key, integer nanoseconds,
// equivalent to a bucket of `quota` tokens refilled at quota per window.
//
// Memory: at most `max_keys` buckets (about 100 bytes plus the key each).
// A key not in a full table replaces the least recently used bucket —
// normally one idle long enough to have refilled, which holds nothing worth
// keeping; under a flood of new keys it may be a partly drained one, which
// then starts again full. Keys rotated faster than the table turns over
// cannot grow memory.
//
// Time is the caller's (an injected Clock's Now()). A clock that steps back
// leaves a bucket at worst empty for one window, never longer.
//
// Thread-safety: TryTake may be called from any number of threads. Keys are
// spread over shards, each with its own mutex held for a lookup and a few
// arithmetic operations; nothing blocks for longer.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "http/rate_limit_options.h"

namespace workspaced::http {

struct TakeResult {
  bool allowed = true;
  // Requests still allowed at once after this one (0 when refused).
  std::int64_t remaining = 0;
  // When refused: how long until one more request is allowed.
  std::int64_t wait_ns = 0;
};

class TokenBuckets {
 public:
  // budget.quota must be positive.
  TokenBuckets(Budget budget, std::size_t max_keys);
  TokenBuckets(const TokenBuckets&) = delete;
  TokenBuckets& operator=(const TokenBuckets&) = delete;

  // Takes one token from `key`'s bucket at time `now` when there is one.
  TakeResult TryTake(std::string_view key, Micros now);

  // Buckets held now, and buckets dropped to make room since the start.
  std::size_t size() const;
  std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kShards = 16;

  struct Node {
    std::string key;
    std::int64_t tat_ns;  // theoretical arrival time: the bucket is full once now >= tat
  };
  using Lru = std::list<Node>;  // most recently used first
  // A key as the index holds it: a view of its node's string and its hash,
  // computed once per call for the shard and the index alike.
  struct Key {
    std::string_view text;
    std::size_t hash;
    bool operator==(const Key& o) const { return text == o.text; }
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return k.hash; }
  };
  struct Shard {
    mutable std::mutex mu;
    Lru lru;                                                // GUARDED_BY(mu)
    std::unordered_map<Key, Lru::iterator, KeyHash> index;  // GUARDED_BY(mu)
  };

  Node& Find(Shard& shard, Key key, std::int64_t now_ns);

  const std::int64_t interval_ns_;   // between two requests, sustained
  const std::int64_t tolerance_ns_;  // quota × interval: how far tat may run ahead
  const std::size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> evictions_{0};
};

}  // namespace workspaced::http
