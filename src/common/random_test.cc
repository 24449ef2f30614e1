#include "common/random.h"

#include <gtest/gtest.h>

#include <set>

namespace workspaced {
namespace {

TEST(UuidV7, IsCanonicalVersionedAndTimeOrdered) {
  auto random = NewSecureRandom();
  ManualClock clock;
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    clock.Advance(1000);  // 1 ms
    const std::string id = NewUuidV7(*random, clock);
    EXPECT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '7') << id;
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
    EXPECT_LT(prev, id);
    EXPECT_TRUE(seen.insert(id).second);
    prev = id;
  }
}

TEST(UuidV7, SameMillisecondStillSortsInCreationOrder) {
  auto random = NewSecureRandom();
  ManualClock clock;  // never advances
  std::string prev = NewUuidV7(*random, clock);
  for (int i = 0; i < 5000; ++i) {  // more than the 12-bit counter holds
    const std::string id = NewUuidV7(*random, clock);
    ASSERT_LT(prev, id) << i;
    prev = id;
  }
}

// A run made on a host whose clock is behind the one that made the last
// run of the workspace still sorts after it (an operation's successor is
// the run after it in id order).
TEST(UuidV7, AfterAnIdFromAClockAheadStillSortsAfterIt) {
  auto random = NewSecureRandom();
  ManualClock clock;
  const std::string ahead = "7fffffff-ffff-7000-8000-000000000000";
  const std::string id = NewUuidV7After(*random, clock, ahead);
  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_LT(ahead, id);
  EXPECT_EQ(id.substr(0, 15), "80000000-0000-7") << id;  // the next millisecond, version 7
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
  // Behind the clock: the usual id.
  const std::string behind = NewUuidV7(*random, clock);
  clock.Advance(1000);
  const std::string next = NewUuidV7After(*random, clock, behind);
  EXPECT_LT(behind, next);
  EXPECT_LT(next, ahead);
}

TEST(IsUuid, RejectsMalformed) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("8ca7d2a2-0000-0000-0000-00000000000"));
  EXPECT_FALSE(IsUuid("8ca7d2a2x0000-0000-0000-000000000000"));
  EXPECT_FALSE(IsUuid("8ca7d2a2-0000-0000-0000-00000000000g"));
  EXPECT_TRUE(IsUuid("8CA7D2A2-0000-0000-0000-000000000000"));
}

TEST(SeededRandom, IsDeterministic) {
  auto a = NewSeededRandom(42);
  auto b = NewSeededRandom(42);
  EXPECT_EQ(RandomHex(*a, 16), RandomHex(*b, 16));
}

}  // namespace
}  // namespace workspaced
