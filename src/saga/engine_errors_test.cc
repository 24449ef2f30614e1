// What a failed step leaves where others can read it: the run, its steps, the
// workspace and the audit log hold the failure's public reason and stable
// code (common/public_error.h), never a dependency's message; and a full
// disk is waited out, however many attempts it takes.
#include <gtest/gtest.h>

#include "saga/engine.h"
#include "saga/engine_test_fixture.h"

namespace workspaced::saga {
namespace {

using model::RunState;
using model::StepState;
using testing::EngineTest;

// A real step whose External part fails its first `failures` tries with
// `error`.
class FailingStep final : public testing::WrappedStep {
 public:
  FailingStep(std::unique_ptr<Step> step, Status error, int failures)
      : WrappedStep(std::move(step)), error_(std::move(error)), failures_(failures) {}

  Status External(const model::Workspace& ws) override {
    if (failures_ > 0) {
      --failures_;
      return error_;
    }
    return step_->External(ws);
  }

 private:
  const Status error_;
  int failures_;
};

class EngineErrorsTest : public EngineTest {
 protected:
  std::vector<std::unique_ptr<Step>> StepsFailing(const std::string& name, Status error,
                                                  int failures) {
    auto steps = MakeProvisioningSteps(*dataplane_);
    for (auto& step : steps)
      if (step->name() == name)
        step = std::make_unique<FailingStep>(std::move(step), error, failures);
    return steps;
  }
};

TEST_F(EngineErrorsTest, AnUnreachableCellIsShownByItsPublicReasonNeverItsAddress) {
  const Status unreachable =
      Unavailable(
          "dataplane: cannot reach the cell: connection to server at \"10.9.8.7\", port 6543 "
          "failed: Connection refused")
          .WithCause(Cause::kDataplaneUnreachable);
  auto engine = MakeEngine("", "", StepsFailing("provision_dataplane", unreachable, 1000));
  auto [ws, run_id] = Create("unreachable");
  const auto run = Drive(*engine, run_id);
  ASSERT_EQ(run.state, RunState::kFailed);
  EXPECT_EQ(run.error,
            "provisioning failed at step provision_dataplane after 4 attempts: the region's "
            "dataplane is unreachable");
  EXPECT_EQ(run.error_code, "dataplane_unreachable");
  const auto& step = StepOf(run, "provision_dataplane");
  EXPECT_EQ(step.state, StepState::kFailed);
  EXPECT_EQ(step.last_error, "the region's dataplane is unreachable");
  EXPECT_EQ(step.last_error_code, "dataplane_unreachable");
  const Built b = Inspect(ws.id);
  EXPECT_EQ(b.ws.status_reason, run.error);
  EXPECT_EQ(b.Events("provisioning.step.failed"), 4);
  for (const std::string& details : b.audit_details) {
    EXPECT_EQ(details.find("10.9.8.7"), std::string::npos) << details;
    EXPECT_EQ(details.find("6543"), std::string::npos) << details;
  }
  EXPECT_NE(b.audit_details.back().find("\"error_code\":\"dataplane_unreachable\""),
            std::string::npos)
      << b.audit_details.back();
}

TEST_F(EngineErrorsTest, AnInternalErrorIsShownAsInternalWithoutItsMessage) {
  auto engine = MakeEngine(
      "", "", StepsFailing("provision_dataplane", Internal("sqlite: no such table: secret_t"), 1));
  auto [ws, run_id] = Create("internal");
  const auto run = Drive(*engine, run_id);
  ASSERT_EQ(run.state, RunState::kSucceeded);
  const auto& step = StepOf(run, "provision_dataplane");
  EXPECT_EQ(step.last_error, "internal error");
  EXPECT_EQ(step.last_error_code, "internal");
  for (const std::string& details : Inspect(ws.id).audit_details)
    EXPECT_EQ(details.find("secret_t"), std::string::npos) << details;
}

TEST_F(EngineErrorsTest, AFullDiskIsWaitedOutBeyondTheAttemptsAStepIsAllowed) {
  const Status full =
      Unavailable("sqlite: database or disk is full").WithCause(Cause::kStorageFull);
  auto engine = MakeEngine("", "", StepsFailing("provision_dataplane", full, 9));
  auto [ws, run_id] = Create("full");
  const auto run = Drive(*engine, run_id);
  ASSERT_EQ(run.state, RunState::kSucceeded) << run.error;
  const auto& step = StepOf(run, "provision_dataplane");
  EXPECT_EQ(step.attempts, 10);  // 4 are allowed for other failures
  EXPECT_EQ(step.last_error, "the service's storage is full");
  EXPECT_EQ(step.last_error_code, "storage_full");
  EXPECT_EQ(Inspect(ws.id).ws.status, model::WorkspaceStatus::kActive);
}

}  // namespace
}  // namespace workspaced::saga
