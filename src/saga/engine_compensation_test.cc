// Compensations that fail: the engine records the failure, waits for the
// longest backoff and tries again until the compensation succeeds, so each
// step is undone exactly once in effect. A wrapper around one of the real
// steps makes its compensation fail a given number of times.
#include <gtest/gtest.h>

#include "saga/engine.h"
#include "saga/engine_test_fixture.h"

namespace workspaced::saga {
namespace {

using model::RunState;
using model::StepState;
using testing::EngineTest;

// A real step whose compensation fails its first `failures` tries: in its
// External part, or in its transaction after the real CompensateTx has
// changed the database (so the rollback is what keeps the effect whole).
class FailingCompensation final : public testing::WrappedStep {
 public:
  enum class Part { kExternal, kTransaction };
  FailingCompensation(std::unique_ptr<Step> step, Part part, int failures)
      : WrappedStep(std::move(step)), part_(part), failures_(failures) {}

  Status CompensateExternal(const model::Workspace& ws) override {
    ++tries;
    if (part_ == Part::kExternal && failures_ > 0) {
      --failures_;
      return Unavailable("the dataplane does not answer").WithCause(Cause::kInjected);
    }
    return step_->CompensateExternal(ws);
  }
  Status CompensateTx(store::Tx& tx, model::Workspace& ws) override {
    if (part_ == Part::kExternal) return step_->CompensateTx(tx, ws);
    ++tries;
    WS_RETURN_IF_ERROR(step_->CompensateTx(tx, ws));
    if (failures_ > 0) {
      --failures_;
      return Unavailable("the transaction fails after the compensation's writes")
          .WithCause(Cause::kInjected);
    }
    return Status::Ok();
  }

  int tries = 0;  // of the failing part; read after the engine has returned

 private:
  const Part part_;
  int failures_;
};

class FailingCompensationTest : public EngineTest {
 protected:
  // The real steps, with `name`'s compensation failing `failures` times.
  FailingCompensation* Wrap(std::vector<std::unique_ptr<Step>>& steps, const std::string& name,
                            FailingCompensation::Part part, int failures) {
    for (auto& step : steps) {
      if (step->name() != name) continue;
      auto wrapped = std::make_unique<FailingCompensation>(std::move(step), part, failures);
      FailingCompensation* raw = wrapped.get();
      step = std::move(wrapped);
      return raw;
    }
    ADD_FAILURE() << "no step " << name;
    return nullptr;
  }
};

TEST_F(FailingCompensationTest, AFailedExternalCompensationIsRetriedAfterABackoffUntilItSucceeds) {
  auto steps = MakeProvisioningSteps(*dataplane_);
  FailingCompensation* dataplane =
      Wrap(steps, "provision_dataplane", FailingCompensation::Part::kExternal, 2);
  auto engine = MakeEngine("activate=fatal", "", std::move(steps));
  auto [ws, run_id] = Create("undo-me");

  // The first pass compensates activate and write_relationships, then fails
  // to remove the dataplane: the run waits for the longest backoff.
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  auto run = Run(run_id);
  ASSERT_EQ(run.state, RunState::kCompensating);
  EXPECT_EQ(dataplane->tries, 1);
  EXPECT_EQ(StepOf(run, "write_relationships").state, StepState::kCompensated);
  EXPECT_EQ(StepOf(run, "provision_dataplane").state, StepState::kSucceeded);
  EXPECT_NE(StepOf(run, "provision_dataplane").last_error.find("compensation: an injected failure"),
            std::string::npos)
      << StepOf(run, "provision_dataplane").last_error;
  EXPECT_TRUE(run.lease_owner.empty());
  EXPECT_GT(run.next_attempt_at, clock_.Now());
  EXPECT_TRUE(Inspect(ws.id).dataplane);
  EXPECT_EQ(Inspect(ws.id).environments, 3u);  // not undone before the dataplane is

  // Not before the backoff is over.
  clock_.Advance(run.next_attempt_at - clock_.Now() - 1);
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(dataplane->tries, 1);

  const auto done = Drive(*engine, run_id);
  ASSERT_EQ(done.state, RunState::kFailed);
  EXPECT_EQ(dataplane->tries, 3);  // two failures, then the compensation
  for (const auto& step : done.steps) {
    const StepState want = step.name == "activate" ? StepState::kFailed : StepState::kCompensated;
    EXPECT_EQ(step.state, want) << step.name;
  }
  const Built built = Inspect(ws.id);
  EXPECT_EQ(built.ws.status, model::WorkspaceStatus::kError);
  EXPECT_FALSE(built.dataplane);
  EXPECT_EQ(built.environments, 0u);
  EXPECT_EQ(built.Events("provisioning.step.compensation_failed", "provision_dataplane"), 2);
  for (const auto& name : ProvisioningStepNames())
    EXPECT_EQ(built.Events("provisioning.step.compensated", name), 1) << name;
  EXPECT_EQ(built.Events("provisioning.run.failed"), 1);
}

TEST_F(FailingCompensationTest, AFailedCompensationTransactionIsRolledBackAndRetried) {
  auto steps = MakeProvisioningSteps(*dataplane_);
  FailingCompensation* environments =
      Wrap(steps, "create_environments", FailingCompensation::Part::kTransaction, 1);
  auto engine = MakeEngine("activate=fatal", "", std::move(steps));
  auto [ws, run_id] = Create("roll-back");

  ASSERT_TRUE(engine->RunUntilIdle().ok());
  auto run = Run(run_id);
  ASSERT_EQ(run.state, RunState::kCompensating);
  EXPECT_EQ(environments->tries, 1);
  // The environments it deleted came back with the rollback, and the step
  // is not recorded as compensated.
  EXPECT_EQ(Inspect(ws.id).environments, 3u);
  EXPECT_EQ(StepOf(run, "create_environments").state, StepState::kSucceeded);
  EXPECT_EQ(StepOf(run, "provision_dataplane").state, StepState::kCompensated);
  EXPECT_EQ(Inspect(ws.id).Events("provisioning.step.compensated", "create_environments"), 0);

  const auto done = Drive(*engine, run_id);
  ASSERT_EQ(done.state, RunState::kFailed);
  EXPECT_EQ(environments->tries, 2);
  const Built built = Inspect(ws.id);
  EXPECT_EQ(built.environments, 0u);
  // The create's membership is kept with the row; the steps before it were
  // undone (each compensated once, below).
  EXPECT_EQ(built.creator_role, model::WorkspaceRole::kAdmin);
  EXPECT_EQ(built.Events("provisioning.step.compensation_failed", "create_environments"), 1);
  for (const auto& name : ProvisioningStepNames())
    EXPECT_EQ(built.Events("provisioning.step.compensated", name), 1) << name;
}

}  // namespace
}  // namespace workspaced::saga
