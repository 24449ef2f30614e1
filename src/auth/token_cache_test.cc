#include "auth/token_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "auth/jwt.h"
#include "common/base64url.h"

namespace workspaced::auth {
namespace {

// Looks like a real token: the tail is signature-like random text, which is
// what the cache shards on.
std::string FakeToken(int i) {
  return "header.payload." + Base64UrlEncode(HmacSha256("k", std::to_string(i)));
}

std::shared_ptr<const Principal> Subject(std::string subject) {
  Principal principal;
  principal.subject = std::move(subject);
  return std::make_shared<const Principal>(std::move(principal));
}

TEST(TokenCacheTest, ReturnsTheSamePrincipalUntilTheCutoff) {
  TokenCache cache(10);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 100), nullptr);
  const auto alice = Subject("alice");
  cache.Insert(FakeToken(1), alice, 200);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 100), alice);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 199), alice);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 200), nullptr);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 10'000), nullptr);
  EXPECT_EQ(cache.Lookup(FakeToken(2), 100), nullptr);
}

TEST(TokenCacheTest, KeysOnTheWholeToken) {
  TokenCache cache(10);
  const std::string token = FakeToken(1);
  cache.Insert(token, Subject("alice"), 200);
  // Same tail (and so same shard), different header: a different token.
  EXPECT_EQ(cache.Lookup("x" + token, 100), nullptr);
  EXPECT_EQ(cache.Lookup(token.substr(1), 100), nullptr);
}

TEST(TokenCacheTest, ReinsertReplacesTheEntry) {
  TokenCache cache(10);
  cache.Insert(FakeToken(1), Subject("old"), 200);
  const auto fresh = Subject("new");
  cache.Insert(FakeToken(1), fresh, 300);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 250), fresh);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TokenCacheTest, NeverHoldsMoreThanItsCapacity) {
  for (const std::size_t capacity : {1, 3, 16, 100, 1000}) {
    TokenCache cache(capacity);
    EXPECT_LE(cache.capacity(), capacity);
    EXPECT_GT(cache.capacity(), 0u);
    for (int i = 0; i < 5000; ++i) {
      cache.Insert(FakeToken(i), Subject("s"), 200);
      ASSERT_LE(cache.size(), capacity) << "capacity " << capacity << " after " << i;
    }
    // The newest entry always survives its own insert.
    EXPECT_NE(cache.Lookup(FakeToken(4999), 100), nullptr);
  }
}

TEST(TokenCacheTest, EvictsOldestFirst) {
  TokenCache cache(1);  // one shard, one slot
  cache.Insert(FakeToken(1), Subject("a"), 200);
  cache.Insert(FakeToken(2), Subject("b"), 200);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 100), nullptr);
  EXPECT_NE(cache.Lookup(FakeToken(2), 100), nullptr);
}

TEST(TokenCacheTest, ZeroCapacityDisablesCaching) {
  TokenCache cache(0);
  cache.Insert(FakeToken(1), Subject("a"), 200);
  EXPECT_EQ(cache.Lookup(FakeToken(1), 100), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TokenCacheTest, ConcurrentInsertsAndLookupsStayConsistent) {
  TokenCache cache(64);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string token = FakeToken(i % 200);
        if (auto hit = cache.Lookup(token, 100)) {
          EXPECT_EQ(hit->subject, std::to_string(i % 200));
        } else {
          cache.Insert(token, Subject(std::to_string(i % 200)), 200 + t);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace workspaced::auth
