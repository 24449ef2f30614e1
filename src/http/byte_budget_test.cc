#include "http/byte_budget.h"

#include <gtest/gtest.h>

namespace workspaced::http {
namespace {

TEST(ByteBudget, HoldsAtMostItsLimitInAll) {
  std::atomic<std::int64_t> held{0};
  ByteBudget budget(100, 100, &held);
  EXPECT_TRUE(budget.Reserve("a", 60));
  EXPECT_FALSE(budget.Fits("b", 41));
  EXPECT_FALSE(budget.Reserve("b", 41));
  EXPECT_EQ(held.load(), 60) << "a refusal reserves nothing";
  EXPECT_TRUE(budget.Reserve("", 40));
  EXPECT_EQ(held.load(), 100);
  budget.Release("a", 60);
  EXPECT_TRUE(budget.Reserve("b", 41));
  EXPECT_EQ(held.load(), 81);
}

TEST(ByteBudget, AKeyHoldsAtMostItsShareOnceItHoldsAnything) {
  std::atomic<std::int64_t> held{0};
  ByteBudget budget(1000, 100, &held);
  // Holding nothing, one reservation larger than a share is taken whole.
  EXPECT_TRUE(budget.Reserve("a", 300));
  EXPECT_FALSE(budget.Reserve("a", 1));
  EXPECT_TRUE(budget.Reserve("b", 60));
  EXPECT_TRUE(budget.Reserve("b", 40));
  EXPECT_FALSE(budget.Reserve("b", 1));
  // The empty key (a trusted proxy, an unknown peer) has no share.
  EXPECT_TRUE(budget.Reserve("", 500));
  budget.Release("a", 300);
  EXPECT_TRUE(budget.Reserve("a", 1)) << "released whole, the key holds nothing again";
  EXPECT_EQ(held.load(), 601);
}

}  // namespace
}  // namespace workspaced::http
