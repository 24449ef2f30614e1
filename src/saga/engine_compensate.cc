// Undoing the steps of a run that failed (engine_state.h).
#include <algorithm>

#include "common/log.h"
#include "common/public_error.h"
#include "saga/engine_state.h"

namespace workspaced::saga {
namespace {

using model::ProvisioningRun;
using model::RunState;
using model::StepState;
using model::Workspace;

// Whether compensation has anything to undo for this step: it was tried.
bool NeedsCompensation(const model::ProvisioningStep& s) {
  return s.state == StepState::kSucceeded || s.state == StepState::kFailed || s.attempts > 0;
}

}  // namespace

int Engine::State::NextToCompensate(const ProvisioningRun& run, int from) {
  int i = std::min(from, static_cast<int>(run.steps.size()) - 1);
  while (i >= 0 &&
         (!NeedsCompensation(run.steps[i]) || run.steps[i].state == StepState::kCompensated))
    --i;
  return i;
}

Engine::State::Next Engine::State::Compensate(ProvisioningRun& run, Held& h) {
  const int i = NextToCompensate(run, run.current_step);
  Step* const step = StepOf(run, i);
  if (i >= 0 && step == nullptr) {
    log::Error("saga: run has a step this engine does not know", {{"run", run.id}});
    return Next::kStop;
  }
  const Failpoint::Action action =
      i >= 0 ? failpoints.For(step->name(), 1, Failpoint::Phase::kCompensation)
             : Failpoint::Action::kNone;
  if (action == Failpoint::Action::kDelay) {
    Sleep(failpoints.DelayMs(step->name(), Failpoint::Phase::kCompensation), h);
    if (h.lost || Stopping()) return Next::kContinue;  // Advance stops or releases
  }
  if (i >= 0 && step->has_external()) {
    StatusOr<Workspace> ws = ReadWorkspace(run.workspace_id);
    Status err = ws.ok() ? step->CompensateExternal(*ws) : ws.status();
    if (ws.status().code() == Code::kNotFound) err = Status::Ok();
    if (!err.ok()) return RecordCompensationFailure(run, h, i, err);
  }
  if (action == Failpoint::Action::kCrash)
    Crash(run, i, "compensating, after its external compensation, before its transaction");
  ProvisioningRun next;
  const Status s = store.WriteRowLocked([&](store::Tx& tx) -> Status {
    next = run;
    const Micros now = clock.Now();
    StatusOr<Workspace> got = tx.GetWorkspace(run.workspace_id);
    if (!got.ok() && got.status().code() != Code::kNotFound) return got.status();
    const bool has_ws = got.ok();
    Workspace ws = has_ws ? *got : Workspace{};
    const Workspace before = ws;
    int after = -1;
    if (i >= 0) {
      if (has_ws) WS_RETURN_IF_ERROR(step->CompensateTx(tx, ws));
      auto& ps = next.steps[i];
      if (ps.state == StepState::kSucceeded) ps.state = StepState::kCompensated;
      WS_RETURN_IF_ERROR(tx.AppendAudit(
          Event(next, "step.compensated", "success", {{"step", ps.name}}, now)));
      after = NextToCompensate(next, i - 1);
      // A failed step is compensated too, but keeps its state: skip it now.
      if (next.steps[i].state == StepState::kFailed) next.steps[i].finished_at = now;
    }
    next.current_step = after;
    next.updated_at = now;
    if (after < 0) {
      next.state = RunState::kFailed;
      next.finished_at = now;
      next.lease_owner.clear();
      next.lease_expires_at = 0;
      ws.status = model::WorkspaceStatus::kError;
      ws.phase = model::ProvisioningPhase::kError;
      ws.status_reason = next.error;
      WS_RETURN_IF_ERROR(
          tx.AppendAudit(Event(next, "run.failed", "failure",
                               {{"error", next.error}, {"error_code", next.error_code}}, now)));
    }
    if (has_ws && (ws.phase != before.phase || ws.status != before.status ||
                   ws.status_reason != before.status_reason)) {
      ws.version = before.version + 1;
      ws.updated_at = now;
      WS_RETURN_IF_ERROR(tx.UpdateWorkspace(ws));
    }
    return tx.UpdateRun(next, h.fence);
  });
  if (!s.ok()) {
    // It may have committed nonetheless (engine_forward.cc says why).
    const Stored stored = Recheck(run, h);
    if (stored == Stored::kLost) {
      h.lost = true;
      return Next::kContinue;
    }
    if (stored == Stored::kSame) return RecordCompensationFailure(run, h, i, s);
    return run.state == RunState::kFailed ? Next::kStop : Next::kContinue;
  }
  run = std::move(next);
  return run.state == RunState::kFailed ? Next::kStop : Next::kContinue;
}

Engine::State::Next Engine::State::RecordCompensationFailure(ProvisioningRun& run, Held& h, int i,
                                                             const Status& err) {
  const PublicError shown = PublicErrorOf(err);
  const std::string name = i >= 0 ? run.steps[i].name : "";
  log::Warn("saga: a compensation failed", {{"run", run.id},
                                            {"workspace_id", run.workspace_id},
                                            {"step", name},
                                            {"code", std::string(shown.code)},
                                            {"error", err.message()}});
  ProvisioningRun next;
  const Status s = store.WriteRowLocked([&](store::Tx& tx) -> Status {
    next = run;
    const Micros now = clock.Now();
    if (i >= 0) {
      next.steps[i].last_error = "compensation: " + std::string(shown.text);
      next.steps[i].last_error_code = shown.code;
    }
    next.next_attempt_at = now + Backoff(options, options.max_attempts, random);
    next.lease_owner.clear();
    next.lease_expires_at = 0;
    next.updated_at = now;
    WS_RETURN_IF_ERROR(tx.AppendAudit(
        Event(next, "step.compensation_failed", "failure",
              {{"step", name}, {"error", shown.text}, {"error_code", shown.code}}, now)));
    return tx.UpdateRun(next, h.fence);
  });
  if (s.ok()) run = std::move(next);
  return Next::kStop;
}

}  // namespace workspaced::saga
