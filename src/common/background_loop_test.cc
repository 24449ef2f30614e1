#include "common/background_loop.h"

#include <gtest/gtest.h>

#include <atomic>

namespace workspaced {
namespace {

// A loop on a ManualClock: each tick counts itself and asks for the next one
// `period` later. AwaitWaiters(1) returns once the loop sleeps again.
class BackgroundLoopTest : public ::testing::Test {
 protected:
  static constexpr Micros kPeriod = 1'000'000;
  ManualClock clock_;
  std::atomic<int> ticks_ = 0;
  BackgroundLoop loop_{clock_, [this] {
                         ++ticks_;
                         return clock_.Now() + kPeriod;
                       }};
};

TEST_F(BackgroundLoopTest, TicksAtOnceThenWhenEachTickAsks) {
  loop_.Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(ticks_, 1);
  clock_.Advance(kPeriod - 1);
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(ticks_, 1);
  clock_.Advance(1);
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(ticks_, 2);
  loop_.Stop();
  EXPECT_EQ(ticks_, 2);
}

TEST_F(BackgroundLoopTest, AFirstDelayPostponesTheFirstTick) {
  loop_.Start(/*first_delay=*/5 * kPeriod);
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(ticks_, 0);
  clock_.Advance(5 * kPeriod);
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(ticks_, 1);
}

TEST_F(BackgroundLoopTest, WakeRunsTheNextTickAtOnce) {
  loop_.Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  loop_.Wake();
  // A woken wait no longer counts as blocked: the next one comes after the tick.
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(ticks_, 2);
}

TEST_F(BackgroundLoopTest, StopEndsAWaitWithoutAnotherTickAndIsIdempotent) {
  loop_.Stop();  // before Start: nothing to do
  loop_.Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  loop_.Stop();
  loop_.Stop();
  EXPECT_EQ(ticks_, 1);
  EXPECT_TRUE(loop_.stop_requested());
}

TEST_F(BackgroundLoopTest, StartsAgainAfterStop) {
  loop_.Start();
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  loop_.Stop();
  loop_.Start();
  EXPECT_FALSE(loop_.stop_requested());
  ASSERT_TRUE(clock_.AwaitWaiters(1));
  EXPECT_EQ(ticks_, 2);
}

TEST(BackgroundLoop, AWakeDuringATickRunsAnotherAtOnce) {
  ManualClock clock;
  std::atomic<int> ticks = 0;
  BackgroundLoop* self = nullptr;
  BackgroundLoop loop(clock, [&] {
    if (++ticks == 1) self->Wake();  // new work arrives while this tick runs
    return clock.Now() + 1'000'000;
  });
  self = &loop;
  loop.Start();
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_EQ(ticks, 2);
}

TEST(BackgroundLoop, TickingIsTrueOnlyWhileATickRuns) {
  ManualClock clock;
  std::atomic<bool> ticking_inside = false;
  BackgroundLoop* self = nullptr;
  BackgroundLoop loop(clock, [&] {
    ticking_inside = self->ticking();
    return clock.Now() + 1'000'000;
  });
  self = &loop;
  EXPECT_FALSE(loop.ticking());
  loop.Start();
  ASSERT_TRUE(clock.AwaitWaiters(1));
  EXPECT_TRUE(ticking_inside);
  EXPECT_FALSE(loop.ticking());
}

TEST(BackgroundLoop, StopWaitsForTheRunningTickAndTheTickSeesIt) {
  ManualClock clock;
  Wakeup tick_wakeup;
  std::atomic<bool> saw_stop = false;
  BackgroundLoop* self = nullptr;
  BackgroundLoop loop(clock, [&] {
    // A long tick that watches for a stop, as the saga's failpoint delay does.
    saw_stop = clock.WaitFor(3'600'000'000, tick_wakeup, [&] { return self->stop_requested(); });
    return clock.Now();
  });
  self = &loop;
  loop.Start();
  ASSERT_TRUE(clock.AwaitWaiters(1));
  std::thread stopper([&] { loop.Stop(); });
  while (!loop.stop_requested()) std::this_thread::yield();
  tick_wakeup.Notify();
  stopper.join();
  EXPECT_TRUE(saw_stop);
}

TEST(BackgroundLoop, OnTheSystemClockStopInterruptsALongWait) {
  SystemClock clock;
  std::atomic<int> ticks = 0;
  BackgroundLoop loop(clock, [&] {
    ++ticks;
    return clock.Now() + 3'600'000'000;
  });
  loop.Start();
  while (ticks == 0) std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  loop.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(ticks, 1);
}

}  // namespace
}  // namespace workspaced
