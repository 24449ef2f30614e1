#include "auth/token_cache.h"

#include <algorithm>

namespace workspaced::auth {
namespace {

constexpr std::size_t kMaxShards = 16;
// Shards are picked from the token's tail, which is signature text: uniformly
// random for every token that can be cached (only verified ones are), so a
// short suffix spreads tokens as well as hashing the whole token would, and
// the hit path hashes the full token only once, inside the shard's map.
constexpr std::size_t kShardKeyChars = 16;

}  // namespace

TokenCache::TokenCache(std::size_t capacity)
    : shard_count_(std::clamp<std::size_t>(capacity, 1, kMaxShards)),
      per_shard_capacity_(capacity / shard_count_),
      shards_(std::make_unique<Shard[]>(shard_count_)) {}

TokenCache::Shard& TokenCache::ShardFor(std::string_view token) const {
  const std::string_view tail = token.substr(token.size() - std::min(token.size(), kShardKeyChars));
  return shards_[std::hash<std::string_view>{}(tail) % shard_count_];
}

std::shared_ptr<const Principal> TokenCache::Lookup(std::string_view token,
                                                    std::int64_t now_seconds,
                                                    std::uint64_t generation) const {
  if (per_shard_capacity_ == 0) return nullptr;
  Shard& shard = ShardFor(token);
  std::lock_guard lock(shard.mu);
  const auto it = shard.entries.find(token);
  // An expired entry stays until FIFO eviction reaches it; it is never
  // returned again.
  if (it == shard.entries.end() || now_seconds >= it->second.cutoff_seconds ||
      it->second.generation != generation)
    return nullptr;
  return it->second.principal;
}

void TokenCache::Insert(std::string_view token, std::shared_ptr<const Principal> principal,
                        std::int64_t cutoff_seconds, std::uint64_t generation) {
  if (per_shard_capacity_ == 0) return;
  Shard& shard = ShardFor(token);
  std::lock_guard lock(shard.mu);
  // Re-verified after expiring in the cache (e.g. the clock stepped back):
  // refresh in place so the FIFO still names each key once.
  if (const auto it = shard.entries.find(token); it != shard.entries.end()) {
    it->second = Entry{std::move(principal), cutoff_seconds, generation};
    return;
  }
  if (shard.entries.size() >= per_shard_capacity_) {
    shard.entries.erase(shard.entries.find(shard.fifo.front()));
    shard.fifo.pop_front();
  }
  const auto it =
      shard.entries
          .try_emplace(std::string(token), Entry{std::move(principal), cutoff_seconds, generation})
          .first;
  shard.fifo.push_back(it->first);
}

std::size_t TokenCache::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].entries.size();
  }
  return total;
}

}  // namespace workspaced::auth
