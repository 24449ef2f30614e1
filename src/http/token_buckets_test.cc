// The bucket arithmetic and the bounded table, on a clock moved by hand.
#include "http/token_buckets.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace workspaced::http {
namespace {

constexpr Micros kSecond = 1'000'000;

TEST(TokenBuckets, AFreshBucketAllowsTheQuotaAtOnceThenRefuses) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 5, .window_seconds = 1}, 100);
  for (int i = 0; i < 5; ++i) {
    const TakeResult r = buckets.TryTake("a", clock.Now());
    EXPECT_TRUE(r.allowed) << i;
    EXPECT_EQ(r.remaining, 4 - i);
  }
  const TakeResult refused = buckets.TryTake("a", clock.Now());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.wait_ns, 200'000'000);  // one token per 1/5 s
}

TEST(TokenBuckets, RefillsAtQuotaPerWindow) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 10, .window_seconds = 10}, 100);  // 1 per second
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(buckets.TryTake("a", clock.Now()).allowed);
  ASSERT_FALSE(buckets.TryTake("a", clock.Now()).allowed);
  clock.Advance(kSecond - 1);
  EXPECT_FALSE(buckets.TryTake("a", clock.Now()).allowed);
  clock.Advance(1);
  EXPECT_TRUE(buckets.TryTake("a", clock.Now()).allowed);
  EXPECT_FALSE(buckets.TryTake("a", clock.Now()).allowed);
  // A long idle spell refills to the quota, never beyond it.
  clock.Advance(1000 * kSecond);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(buckets.TryTake("a", clock.Now()).allowed) << i;
  EXPECT_FALSE(buckets.TryTake("a", clock.Now()).allowed);
}

TEST(TokenBuckets, RefusedRequestsDoNotSpendTokens) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 1, .window_seconds = 1}, 100);
  ASSERT_TRUE(buckets.TryTake("a", clock.Now()).allowed);
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(buckets.TryTake("a", clock.Now()).allowed);
  clock.Advance(kSecond);
  EXPECT_TRUE(buckets.TryTake("a", clock.Now()).allowed);
}

TEST(TokenBuckets, KeysHaveTheirOwnBuckets) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 2, .window_seconds = 60}, 100);
  ASSERT_TRUE(buckets.TryTake("alice", clock.Now()).allowed);
  ASSERT_TRUE(buckets.TryTake("alice", clock.Now()).allowed);
  EXPECT_FALSE(buckets.TryTake("alice", clock.Now()).allowed);
  EXPECT_TRUE(buckets.TryTake("bob", clock.Now()).allowed);
}

TEST(TokenBuckets, AClockThatStepsBackLeavesABucketEmptyForOneWindowAtMost) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 2, .window_seconds = 1}, 100);
  ASSERT_TRUE(buckets.TryTake("a", clock.Now()).allowed);
  clock.Set(clock.Now() - 3600 * kSecond);
  EXPECT_FALSE(buckets.TryTake("a", clock.Now()).allowed);
  clock.Advance(kSecond);
  EXPECT_TRUE(buckets.TryTake("a", clock.Now()).allowed);
}

TEST(TokenBuckets, TheTableNeverHoldsMoreThanMaxKeys) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 1, .window_seconds = 3600}, 160);
  // An attacker rotating addresses: memory stays bounded.
  for (int i = 0; i < 100'000; ++i) (void)buckets.TryTake("10.0." + std::to_string(i), clock.Now());
  EXPECT_LE(buckets.size(), 160u);
  EXPECT_GE(buckets.evictions(), 100'000u - 160u);
}

TEST(TokenBuckets, EvictionDropsTheLeastRecentlyUsedBucket) {
  ManualClock clock;
  // One bucket per shard at most: a second key in a shard evicts the first.
  TokenBuckets buckets({.quota = 1, .window_seconds = 3600}, 16);
  ASSERT_TRUE(buckets.TryTake("busy", clock.Now()).allowed);
  ASSERT_FALSE(buckets.TryTake("busy", clock.Now()).allowed);
  // A thousand other keys over sixteen shards: "busy"'s shard has turned
  // over many times.
  for (int j = 0; j < 1'000; ++j) (void)buckets.TryTake("other-" + std::to_string(j), clock.Now());
  // Dropped, it starts again full: at most one request, as for a new key.
  EXPECT_TRUE(buckets.TryTake("busy", clock.Now()).allowed);
  EXPECT_FALSE(buckets.TryTake("busy", clock.Now()).allowed);
  EXPECT_LE(buckets.size(), 16u);
}

TEST(TokenBuckets, ARecentlyUsedBucketOutlivesIdleOnes) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 2, .window_seconds = 3600}, 16 * 4);
  ASSERT_TRUE(buckets.TryTake("busy", clock.Now()).allowed);
  ASSERT_TRUE(buckets.TryTake("busy", clock.Now()).allowed);
  // New keys arrive, but "busy" keeps being used between them: it stays at
  // the front of its shard and keeps its (empty) bucket.
  for (int i = 0; i < 10'000; ++i) {
    (void)buckets.TryTake("k" + std::to_string(i), clock.Now());
    ASSERT_FALSE(buckets.TryTake("busy", clock.Now()).allowed) << i;
  }
}

TEST(TokenBuckets, ConcurrentTakersNeverGetMoreThanTheQuota) {
  ManualClock clock;
  TokenBuckets buckets({.quota = 1000, .window_seconds = 3600}, 100);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (buckets.TryTake("shared", clock.Now()).allowed) ++allowed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace workspaced::http
