#include "common/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace workspaced {
namespace {

TEST(ManualClockWait, ReturnsAtOnceWhenTheDeadlineHasPassed) {
  ManualClock clock;
  Wakeup wakeup;
  EXPECT_FALSE(clock.WaitUntil(clock.Now(), wakeup, [] { return false; }));
  EXPECT_FALSE(clock.WaitFor(-5, wakeup, [] { return false; }));
}

TEST(ManualClockWait, ReturnsAtOnceWhenTheConditionHolds) {
  ManualClock clock;
  Wakeup wakeup;
  EXPECT_TRUE(clock.WaitFor(3'600'000'000, wakeup, [] { return true; }));
}

TEST(ManualClockWait, AWaiterWakesOnlyWhenTheClockReachesItsDeadline) {
  ManualClock clock;
  Wakeup wakeup;
  const Micros deadline = clock.Now() + 1'000'000;
  std::atomic<bool> returned = false;
  std::thread waiter([&] {
    EXPECT_FALSE(clock.WaitUntil(deadline, wakeup, [] { return false; }));
    returned = true;
  });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Advance(999'999);  // not yet: still waiting
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_FALSE(returned);
  clock.Advance(1);
  waiter.join();
  EXPECT_TRUE(returned);
  EXPECT_EQ(clock.Now(), deadline);
}

TEST(ManualClockWait, SetWakesWaitersToo) {
  ManualClock clock;
  Wakeup wakeup;
  const Micros deadline = clock.Now() + 10;
  std::thread waiter([&] { clock.WaitUntil(deadline, wakeup, [] { return false; }); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  clock.Set(deadline + 5);
  waiter.join();
}

TEST(ManualClockWait, NotifyEndsAWaitWhoseConditionBecameTrue) {
  ManualClock clock;
  Wakeup wakeup;
  std::atomic<bool> stop = false;
  bool result = false;
  std::thread waiter(
      [&] { result = clock.WaitFor(3'600'000'000, wakeup, [&] { return stop.load(); }); });
  ASSERT_TRUE(clock.AwaitWaiters(1));
  stop = true;
  wakeup.Notify();
  waiter.join();
  EXPECT_TRUE(result);
}

TEST(ManualClockWait, AwaitWaitersCountsOnlyThoseStillBlocked) {
  ManualClock clock;
  EXPECT_FALSE(clock.AwaitWaiters(1, std::chrono::milliseconds(1)));
  Wakeup a, b;
  std::atomic<bool> done_b = false;
  std::thread first([&] { clock.WaitFor(10, a, [] { return false; }); });
  std::thread second([&] { clock.WaitFor(20, b, [&] { return done_b.load(); }); });
  ASSERT_TRUE(clock.AwaitWaiters(2));
  clock.Advance(10);  // the first is due
  first.join();
  EXPECT_FALSE(clock.AwaitWaiters(2, std::chrono::milliseconds(1)));
  EXPECT_TRUE(clock.AwaitWaiters(1));
  done_b = true;
  b.Notify();
  second.join();
}

TEST(SystemClockWait, WaitsForRealUntilTheDeadline) {
  SystemClock clock;
  Wakeup wakeup;
  const Micros start = clock.Now();
  EXPECT_FALSE(clock.WaitFor(20'000, wakeup, [] { return false; }));
  EXPECT_GE(clock.Now() - start, 20'000);
}

TEST(SystemClockWait, NotifyInterruptsALongWait) {
  SystemClock clock;
  Wakeup wakeup;
  std::atomic<bool> stop = false;
  const auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    stop = true;
    wakeup.Notify();
  });
  EXPECT_TRUE(clock.WaitFor(3'600'000'000, wakeup, [&] { return stop.load(); }));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace workspaced
