// Leases held by a running engine: lost while a step runs (to an engine that
// claimed the run), and given up when the engine stops. A `delay` failpoint
// holds the owner inside create_environments; the manual clock decides when
// the delay, the lease and the heartbeat run out, so nothing sleeps.
#include <gtest/gtest.h>

#include <thread>

#include "saga/engine.h"
#include "saga/engine_test_fixture.h"

namespace workspaced::saga {
namespace {

using model::RunState;
using model::StepState;
using testing::EngineTest;

constexpr char kHeld[] = "create_environments=delay(600000)";  // ten minutes

// Engine A stalls inside a step past its lease: nothing extends it (A runs
// through RunUntilIdle on a thread of its own, without a heartbeat, as if
// its process were paused). Engine B claims the run and finishes it. When A
// wakes, its write of the step is refused by the fence and it stops.
TEST_F(EngineTest, AnOwnerThatStalledPastItsLeaseIsFencedOutWhenItWakes) {
  auto [ws, run_id] = Create("stalled");
  auto a = MakeEngine(kHeld, "stalled-owner");
  Status a_result = Internal("A did not return");
  std::thread a_thread([&] { a_result = a->RunUntilIdle(); });
  ASSERT_TRUE(clock_.AwaitWaiters(1));  // A holds the run, inside the delay
  const auto held = Run(run_id);
  EXPECT_EQ(held.lease_owner, "stalled-owner");
  EXPECT_EQ(StepOf(held, "create_environments").attempts, 0);

  clock_.Advance(11'000'000);  // the 10 s lease lapses; A's delay does not
  auto b = MakeEngine("", "new-owner");
  ASSERT_TRUE(b->RunUntilIdle().ok());
  const auto done = Run(run_id);
  ASSERT_EQ(done.state, RunState::kSucceeded);
  EXPECT_GT(done.lease_version, held.lease_version);

  clock_.Advance(600'000'000);  // A's delay ends: it tries to record the step
  a_thread.join();
  EXPECT_TRUE(a_result.ok()) << a_result.message();
  const auto after = Run(run_id);
  EXPECT_EQ(after.state, RunState::kSucceeded);
  EXPECT_EQ(after.lease_version, done.lease_version);  // A wrote nothing
  EXPECT_EQ(after.updated_at, done.updated_at);
  EXPECT_EQ(StepOf(after, "create_environments").attempts, 1);
  const Built built = Inspect(ws.id);
  EXPECT_EQ(built.environments, 3u);
  EXPECT_EQ(built.Events("provisioning.step.succeeded", "create_environments"), 1);
  EXPECT_EQ(built.Events("provisioning.run.taken_over"), 1);
  EXPECT_EQ(built.Events("provisioning.step.failed"), 0);
}

// A running engine's heartbeat finds that another engine has claimed its run
// (lease_version moved on): the worker leaves the step at once — its delay is
// cut short — and writes nothing. Shown by what it does next: once the other
// engine's lease lapses, the same worker claims the run again, which it could
// not do were it still waiting inside the old step.
TEST_F(EngineTest, AnOwnerWhoseHeartbeatFindsTheRunClaimedLeavesTheStepAtOnce) {
  auto [ws, run_id] = Create("claimed");
  EngineOptions o = Options("first-owner");
  o.workers = 1;
  o.lease = 9'000'000;  // a heartbeat every 3 s
  o.poll = 1'000'000;
  auto a = MakeEngine(kHeld, o);
  a->Start();
  ASSERT_TRUE(clock_.AwaitWaiters(2));  // the worker inside the delay, the heartbeat
  const auto held = Run(run_id);
  ASSERT_EQ(held.lease_owner, "first-owner");

  // Another engine claims the run, as it may once a lease looks expired, and
  // holds it for 4 s.
  auto claimed = held;
  claimed.lease_owner = "second-owner";
  claimed.lease_expires_at = clock_.Now() + 4'000'000;
  claimed.lease_version = held.lease_version + 1;
  ASSERT_TRUE(
      store_->Write([&](store::Tx& tx) { return tx.UpdateRun(claimed, held.lease_version); }).ok());

  clock_.Advance(3'000'000);  // the heartbeat's turn; the delay has ten minutes left
  // The heartbeat has failed to extend the lease; the worker, interrupted,
  // waits for work again.
  ASSERT_TRUE(clock_.AwaitWaiters(2));
  auto after = Run(run_id);
  EXPECT_EQ(after.lease_owner, "second-owner");
  EXPECT_EQ(after.lease_version, claimed.lease_version);
  EXPECT_EQ(after.updated_at, claimed.updated_at);
  EXPECT_EQ(StepOf(after, "create_environments").attempts, 0);
  EXPECT_EQ(StepOf(after, "create_environments").state, StepState::kPending);
  EXPECT_EQ(Inspect(ws.id).environments, 0u);

  clock_.Advance(2'000'000);            // the second owner's lease lapses
  ASSERT_TRUE(clock_.AwaitWaiters(2));  // the worker inside the delay again, the heartbeat
  after = Run(run_id);
  EXPECT_EQ(after.lease_owner, "first-owner");
  EXPECT_EQ(after.lease_version, claimed.lease_version + 1);
  a->Stop();
  EXPECT_TRUE(Run(run_id).lease_owner.empty());  // released: its own lease again
}

// Stop() in the middle of a step releases the lease: another engine claims
// the run at once, without the clock reaching the lease's expiry.
TEST_F(EngineTest, StoppingMidStepReleasesTheLeaseForAnotherEngineAtOnce) {
  auto [ws, run_id] = Create("handed-over");
  EngineOptions o = Options("stopping-owner");
  o.workers = 1;
  auto a = MakeEngine(kHeld, o);
  a->Start();
  ASSERT_TRUE(clock_.AwaitWaiters(2));  // the worker inside the delay, the heartbeat
  EXPECT_EQ(Run(run_id).lease_owner, "stopping-owner");
  a->Stop();
  const auto released = Run(run_id);
  EXPECT_TRUE(released.lease_owner.empty());
  EXPECT_EQ(released.lease_expires_at, 0);
  EXPECT_EQ(released.state, RunState::kRunning);

  auto b = MakeEngine("", "next-owner");
  ASSERT_TRUE(b->RunUntilIdle().ok());  // the clock has not moved
  const auto done = Run(run_id);
  EXPECT_EQ(done.state, RunState::kSucceeded);
  EXPECT_EQ(StepOf(done, "create_environments").attempts, 1);
  EXPECT_EQ(Inspect(ws.id).environments, 3u);
}

}  // namespace
}  // namespace workspaced::saga
