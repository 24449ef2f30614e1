#include "http/token_buckets.h"

#include <algorithm>

namespace workspaced::http {

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

}  // namespace

TokenBuckets::TokenBuckets(Budget budget, std::size_t max_keys)
    : interval_ns_(std::max<std::int64_t>(
          1, budget.window_seconds * kNanosPerSecond / std::max<std::int64_t>(1, budget.quota))),
      tolerance_ns_(interval_ns_ * std::max<std::int64_t>(1, budget.quota)),
      shard_capacity_(std::max<std::size_t>(1, (max_keys + kShards - 1) / kShards)) {}

TokenBuckets::Node& TokenBuckets::Find(Shard& shard, Key key, std::int64_t now_ns) {
  if (auto it = shard.index.find(key); it != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    return shard.lru.front();
  }
  if (shard.index.size() >= shard_capacity_) {
    // Reuse the least recently used node (and its string's capacity).
    Node& victim = shard.lru.back();
    shard.index.erase(Key{victim.key, std::hash<std::string_view>{}(victim.key)});
    victim.key.assign(key.text);
    victim.tat_ns = now_ns;
    shard.lru.splice(shard.lru.begin(), shard.lru, std::prev(shard.lru.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  } else {
    shard.lru.push_front(Node{std::string(key.text), now_ns});
  }
  shard.index.emplace(Key{shard.lru.front().key, key.hash}, shard.lru.begin());
  return shard.lru.front();
}

TakeResult TokenBuckets::TryTake(std::string_view key, Micros now) {
  const std::int64_t now_ns = now * 1'000;
  const std::size_t hash = std::hash<std::string_view>{}(key);
  Shard& shard = shards_[(hash >> 32) % kShards];
  std::lock_guard lock(shard.mu);
  Node& bucket = Find(shard, Key{key, hash}, now_ns);
  // A theoretical arrival time further ahead than a drained bucket allows
  // means the clock went back: count the bucket as drained, no more.
  const std::int64_t tat = std::min(bucket.tat_ns, now_ns + tolerance_ns_);
  const std::int64_t next = std::max(tat, now_ns) + interval_ns_;
  const std::int64_t ahead = next - now_ns;
  if (ahead > tolerance_ns_) {
    bucket.tat_ns = tat;
    return {false, 0, ahead - tolerance_ns_};
  }
  bucket.tat_ns = next;
  return {true, (tolerance_ns_ - ahead) / interval_ns_, 0};
}

std::size_t TokenBuckets::size() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.index.size();
  }
  return n;
}

}  // namespace workspaced::http
