#include "api/list_cache.h"

#include <gtest/gtest.h>

namespace workspaced::api {
namespace {

std::string Key(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (auto p : parts) ListCache::AddKeyPart(key, p);
  return key;
}

TEST(ListCache, AnEntryServesOnlyTheDataVersionItWasBuiltAt) {
  ListCache cache;
  cache.Put(Key({"alice", "/v1/workspaces"}), 7, {"[1]", {{"Link", "<next>"}}});
  const auto hit = cache.Find(Key({"alice", "/v1/workspaces"}), 7);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->body, "[1]");
  ASSERT_EQ(hit->headers.size(), 1u);
  EXPECT_EQ(hit->headers[0].second, "<next>");
  EXPECT_FALSE(cache.Find(Key({"alice", "/v1/workspaces"}), 8).has_value())
      << "a commit since (another data version) must miss";
  EXPECT_FALSE(cache.Find(Key({"bob", "/v1/workspaces"}), 7).has_value());
}

TEST(ListCache, PartsCannotBeReGroupedIntoAnotherCallersKey) {
  // A group named "b\ng" (or "b5:g") must not reach the list of a caller
  // holding the groups "b" and "g".
  EXPECT_NE(Key({"a", "b", "g"}), Key({"a", "b\ng"}));
  EXPECT_NE(Key({"a", "b", "g"}), Key({"a", "b1:g"}));
  EXPECT_NE(Key({"ab", "g"}), Key({"a", "bg"}));
}

TEST(ListCache, StaysWithinItsBound) {
  ListCache cache(100);
  cache.Put(Key({"a"}), 1, {std::string(60, 'x'), {}});
  cache.Put(Key({"b"}), 1, {std::string(60, 'y'), {}});  // over: starts over
  EXPECT_FALSE(cache.Find(Key({"a"}), 1).has_value());
  EXPECT_TRUE(cache.Find(Key({"b"}), 1).has_value());
  cache.Put(Key({"c"}), 1, {std::string(200, 'z'), {}});  // larger than the bound: not kept
  EXPECT_FALSE(cache.Find(Key({"c"}), 1).has_value());
  EXPECT_TRUE(cache.Find(Key({"b"}), 1).has_value());
}

}  // namespace
}  // namespace workspaced::api
