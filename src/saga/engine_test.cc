// The engine against a real store — SQLite, or PostgreSQL when built as
// saga_postgres_test — and the real embedded dataplane, with a manual clock so
// backoff and lease expiry need no sleeping (engine_test_fixture.h). Leases
// lost and released: engine_leases_test.cc; compensations that fail:
// engine_compensation_test.cc.
#include "saga/engine.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "saga/engine_test_fixture.h"

namespace workspaced::saga {
namespace {

using model::RunState;
using model::StepState;
using testing::EngineTest;
using testing::kCreator;

TEST_F(EngineTest, ProvisionsEverythingAndActivates) {
  auto engine = MakeEngine("");
  auto [ws, run_id] = Create("prod");
  const auto run = Drive(*engine, run_id);
  EXPECT_EQ(run.state, RunState::kSucceeded);
  EXPECT_NE(run.finished_at, 0);
  EXPECT_TRUE(run.lease_owner.empty());
  for (const auto& step : run.steps) {
    EXPECT_EQ(step.state, StepState::kSucceeded) << step.name;
    EXPECT_EQ(step.attempts, 1) << step.name;
    EXPECT_NE(step.finished_at, 0) << step.name;
  }
  const Built b = Inspect(ws.id);
  EXPECT_EQ(b.ws.status, model::WorkspaceStatus::kActive);
  EXPECT_EQ(b.ws.phase, model::ProvisioningPhase::kReady);
  EXPECT_EQ(b.environments, 3u);
  EXPECT_TRUE(b.dataplane);
  EXPECT_EQ(b.creator_role, model::WorkspaceRole::kAdmin);
  // account, creator admin, 3 environment parents, 1 group mapping
  EXPECT_EQ(b.relationships, 6u);
  ASSERT_FALSE(b.audit_actions.empty());
  EXPECT_EQ(b.audit_actions.front(), "provisioning.run.started");
  EXPECT_EQ(b.audit_actions.back(), "provisioning.run.succeeded");
  EXPECT_EQ(std::count(b.audit_actions.begin(), b.audit_actions.end(),
                       std::string("provisioning.step.succeeded")),
            6);
}

class EngineStepTest : public EngineTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(EngineStepTest, TwoFailedAttemptsAreRetriedAndTheRunSucceeds) {
  auto engine = MakeEngine(GetParam() + "=error(2)");
  auto [ws, run_id] = Create("retry");
  const auto run = Drive(*engine, run_id);
  ASSERT_EQ(run.state, RunState::kSucceeded);
  for (const auto& step : run.steps) {
    EXPECT_EQ(step.state, StepState::kSucceeded);
    if (step.name == GetParam()) {
      EXPECT_EQ(step.attempts, 3);
      EXPECT_NE(step.last_error.find("injected"), std::string::npos);
    } else {
      EXPECT_EQ(step.attempts, 1) << step.name;
    }
  }
  const Built b = Inspect(ws.id);
  EXPECT_EQ(b.ws.status, model::WorkspaceStatus::kActive);
  EXPECT_EQ(std::count(b.audit_actions.begin(), b.audit_actions.end(),
                       std::string("provisioning.step.failed")),
            2);
}

TEST_P(EngineStepTest, AFatalErrorCompensatesEverythingAndLeavesAReason) {
  auto engine = MakeEngine(GetParam() + "=fatal");
  auto [ws, run_id] = Create("doomed");
  const auto run = Drive(*engine, run_id);
  ASSERT_EQ(run.state, RunState::kFailed);
  EXPECT_NE(run.error.find(GetParam()), std::string::npos) << run.error;
  bool seen_failed = false;
  for (const auto& step : run.steps) {
    if (step.name == GetParam()) {
      EXPECT_EQ(step.state, StepState::kFailed);
      EXPECT_EQ(step.attempts, 1);
      seen_failed = true;
    } else if (!seen_failed) {
      EXPECT_EQ(step.state, StepState::kCompensated) << step.name;
    } else {
      EXPECT_EQ(step.state, StepState::kPending) << step.name;
    }
  }
  const Built b = Inspect(ws.id);
  EXPECT_EQ(b.ws.status, model::WorkspaceStatus::kError);
  EXPECT_EQ(b.ws.phase, model::ProvisioningPhase::kError);
  EXPECT_NE(b.ws.status_reason.find(GetParam()), std::string::npos) << b.ws.status_reason;
  EXPECT_EQ(b.environments, 0u);
  // Its link to its account and its creator's membership, kept with the row.
  EXPECT_EQ(b.relationships, 2u);
  EXPECT_EQ(b.creator_role, model::WorkspaceRole::kAdmin);
  EXPECT_FALSE(b.dataplane);
  EXPECT_EQ(b.audit_actions.back(), "provisioning.run.failed");
}

TEST_P(EngineStepTest, ExhaustedAttemptsCompensate) {
  auto engine = MakeEngine(GetParam() + "=error");
  auto [ws, run_id] = Create("flaky");
  const auto run = Drive(*engine, run_id);
  ASSERT_EQ(run.state, RunState::kFailed);
  for (const auto& step : run.steps)
    if (step.name == GetParam()) {
      EXPECT_EQ(step.attempts, 4);
    }
  EXPECT_NE(run.error.find("after 4 attempts"), std::string::npos) << run.error;
  const Built b = Inspect(ws.id);
  EXPECT_EQ(b.ws.status, model::WorkspaceStatus::kError);
  EXPECT_EQ(b.environments, 0u);
  EXPECT_FALSE(b.dataplane);
}

INSTANTIATE_TEST_SUITE_P(Steps, EngineStepTest, ::testing::ValuesIn(ProvisioningStepNames()),
                         [](const auto& info) { return info.param; });

TEST_F(EngineTest, ALiveLeaseIsNotTakenAndAnExpiredOneIsWithItsOwnerFencedOut) {
  auto [ws, run_id] = Create("leased");
  // Another engine claims the run and then goes silent.
  auto stale = Run(run_id);
  const std::int64_t fence = stale.lease_version;
  stale.lease_owner = "dead-owner";
  stale.lease_expires_at = clock_.Now() + 10'000'000;
  stale.lease_version = fence + 1;
  stale.state = RunState::kRunning;
  ASSERT_TRUE(store_->Write([&](store::Tx& tx) { return tx.UpdateRun(stale, fence); }).ok());

  auto engine = MakeEngine("", "live-owner");
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Run(run_id).lease_owner, "dead-owner");  // still leased: untouched
  EXPECT_EQ(Run(run_id).steps[0].attempts, 0);

  clock_.Advance(11'000'000);
  const auto done = Drive(*engine, run_id);
  EXPECT_EQ(done.state, RunState::kSucceeded);
  EXPECT_GT(done.lease_version, stale.lease_version);
  // The dead owner wakes up: its writes are refused.
  EXPECT_EQ(
      store_->Write([&](store::Tx& tx) { return tx.UpdateRun(stale, stale.lease_version); }).code(),
      Code::kConflict);
  const Built b = Inspect(ws.id);
  EXPECT_NE(
      std::find(b.audit_actions.begin(), b.audit_actions.end(), "provisioning.run.taken_over"),
      b.audit_actions.end());
}

TEST_F(EngineTest, RunningWorkersRetryWhenTheBackoffHasPassedOnTheEnginesClock) {
  // The worker and heartbeat threads wait on the engine's (manual) clock:
  // the retry comes when the clock reaches it, and no real time passes.
  auto fp = Failpoints::Parse("create_environments=error(1)");
  ASSERT_TRUE(fp.ok());
  EngineOptions o;
  o.workers = 1;
  o.backoff_initial = 1'000'000;
  o.backoff_max = 1'000'000;
  o.poll = 60'000'000;
  Engine engine(o, *store_, MakeProvisioningSteps(*dataplane_), clock_, *random_, std::move(*fp));
  const std::string run_id = Create("clocked").second;
  const auto step = [&](const model::ProvisioningRun& run) {
    return *std::find_if(run.steps.begin(), run.steps.end(),
                         [](const auto& s) { return s.name == "create_environments"; });
  };
  engine.Start();
  ASSERT_TRUE(clock_.AwaitWaiters(2));  // the worker, backing off, and the heartbeat
  auto run = Run(run_id);
  EXPECT_EQ(run.state, RunState::kRunning);
  EXPECT_EQ(step(run).attempts, 1);
  EXPECT_EQ(step(run).state, StepState::kPending);
  EXPECT_TRUE(run.lease_owner.empty());

  clock_.Advance(o.backoff_max);  // the backoff (at most backoff_max) is over
  ASSERT_TRUE(clock_.AwaitWaiters(2));
  run = Run(run_id);
  EXPECT_EQ(run.state, RunState::kSucceeded);
  EXPECT_EQ(step(run).attempts, 2);
  engine.Stop();
}

TEST_F(EngineTest, ThreadsProvisionManyRunsExactlyOnce) {
  // Real threads and the system clock: many runs, several workers, each step
  // recorded once.
  SystemClock clock;
  auto fp = Failpoints::Parse("");
  EngineOptions o;
  o.workers = 4;
  o.poll = 20'000;
  Engine engine(o, *store_, MakeProvisioningSteps(*dataplane_), clock, *random_, std::move(*fp));
  std::vector<std::string> runs;
  for (int i = 0; i < 40; ++i) runs.push_back(Create("ws" + std::to_string(i)).second);
  engine.Start();
  engine.Wake();
  for (int tries = 0; tries < 500; ++tries) {
    bool all = true;
    for (const auto& id : runs) all = all && Run(id).state == RunState::kSucceeded;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  engine.Stop();
  for (const auto& id : runs) {
    const auto run = Run(id);
    ASSERT_EQ(run.state, RunState::kSucceeded);
    for (const auto& step : run.steps) EXPECT_EQ(step.attempts, 1) << step.name;
  }
}

TEST(BackoffTest, GrowsExponentiallyWithinJitterAndIsCapped) {
  EngineOptions o;
  o.backoff_initial = 100'000;
  o.backoff_max = 1'000'000;
  auto random = NewSeededRandom(1);
  for (int i = 0; i < 200; ++i) {
    const Micros b1 = Backoff(o, 1, *random);
    EXPECT_GE(b1, 50'000);
    EXPECT_LE(b1, 100'000);
    const Micros b3 = Backoff(o, 3, *random);
    EXPECT_GE(b3, 200'000);
    EXPECT_LE(b3, 400'000);
    const Micros b30 = Backoff(o, 30, *random);
    EXPECT_GE(b30, 500'000);
    EXPECT_LE(b30, 1'000'000);
  }
}

}  // namespace
}  // namespace workspaced::saga
