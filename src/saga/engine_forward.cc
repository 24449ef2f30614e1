// Advancing a held run through its steps, and recording failed attempts
// (engine_state.h).
#include <algorithm>
#include <utility>

#include "common/log.h"
#include "common/public_error.h"
#include "saga/engine_state.h"

namespace workspaced::saga {
namespace {

using model::ProvisioningRun;
using model::RunState;
using model::StepState;
using model::Workspace;

// Why the run failed, as viewers, the audit log and the export see it: the
// public reason (common/public_error.h), never the dependency's message.
std::string ForwardError(const ProvisioningRun& run, int i, const PublicError& err,
                         bool exhausted) {
  const auto& step = run.steps[i];
  std::string out = "provisioning failed at step " + step.name;
  if (exhausted) out += " after " + std::to_string(step.attempts) + " attempts";
  return out + ": " + std::string(err.text);
}

}  // namespace

void Engine::State::Advance(ProvisioningRun run, std::optional<Workspace> workspace) {
  auto h = std::make_shared<Held>();
  h->id = run.id;
  h->fence = run.lease_version;
  h->workspace = std::move(workspace);
  {
    std::lock_guard lock(held_mu);
    held[run.id] = h;
  }
  Next next = Next::kContinue;
  while (next == Next::kContinue) {
    if (h->lost) {
      log::Warn("saga: stopped advancing the run: its lease is lost or could not be confirmed",
                {{"run", run.id}});
      break;
    }
    if (Stopping()) {
      Release(run, *h);
      break;
    }
    if (run.state == RunState::kRunning) {
      next = Forward(run, *h);
    } else if (run.state == RunState::kCompensating) {
      next = Compensate(run, *h);
    } else {
      break;
    }
  }
  std::lock_guard lock(held_mu);
  held.erase(run.id);
}

StatusOr<Workspace> Engine::State::ReadWorkspace(const std::string& id) {
  Workspace ws;
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(id));
    return Status::Ok();
  }));
  return ws;
}

void Engine::State::Sleep(int ms, const Held& h) {
  clock.WaitFor(Micros{ms} * 1000, interrupt, [&] { return h.lost || Stopping(); });
}

Engine::State::Next Engine::State::Forward(ProvisioningRun& run, Held& h) {
  const int n = static_cast<int>(run.steps.size());
  const int i = run.current_step;
  Step* const found = StepOf(run, i);
  if (found == nullptr) {
    log::Error("saga: run has no current step this engine knows",
               {{"run", run.id}, {"kind", std::string(model::ToString(run.kind))}});
    return Next::kStop;
  }
  Step& step = *found;
  const int attempt = run.steps[i].attempts + 1;
  const Failpoint::Action action = failpoints.For(step.name(), attempt);
  if (action == Failpoint::Action::kDelay) {
    Sleep(failpoints.DelayMs(step.name()), h);
    if (h.lost || Stopping()) return Next::kContinue;  // Advance stops or releases
  }
  Status err;
  if (action == Failpoint::Action::kError) {
    err = Unavailable("failpoint: injected error in " + std::string(step.name()))
              .WithCause(Cause::kInjected);
  } else if (action == Failpoint::Action::kFatal) {
    err = Fatal("failpoint: injected fatal error in " + std::string(step.name()));
  } else if (step.has_external()) {
    // Right after this run's own commit, the workspace it left is as fresh
    // as a read (either may change the moment after): no read of its own.
    std::optional<Workspace> left = std::exchange(h.workspace, std::nullopt);
    StatusOr<Workspace> ws = left ? StatusOr<Workspace>(std::move(*left))
                                  : ReadWorkspace(run.workspace_id);
    if (!ws.ok()) {
      err = ws.status().code() == Code::kNotFound ? Fatal("the workspace no longer exists")
                                                  : ws.status();
    } else if (h.lost) {
      return Next::kContinue;
    } else {
      err = step.External(*ws);
    }
  }
  if (!err.ok()) return RecordFailure(run, h, i, err);
  if (action == Failpoint::Action::kCrash)
    Crash(run, i, "after its external effect, before its transaction");

  // A failed commit may have committed (the connection broke during
  // COMMIT): the stored run says, before anything is written from `run`.
  // Not committed: the step alone (a later database-only step may be what
  // failed), then, failing again, the failure is recorded.
  const auto lost = [&] {
    h.lost = true;
    return Next::kContinue;
  };
  if (const Status s = CommitForward(run, h, /*max_steps=*/n); !s.ok()) {
    Stored stored = Recheck(run, h);
    if (stored == Stored::kLost) return lost();
    if (stored == Stored::kSame) {
      const Status again = CommitForward(run, h, /*max_steps=*/1);
      if (!again.ok()) {
        stored = Recheck(run, h);
        if (stored == Stored::kLost) return lost();
        if (stored == Stored::kSame) return RecordFailure(run, h, i, again);
      }
    }
  }
  return run.state == RunState::kSucceeded ? Next::kStop : Next::kContinue;
}

Status Engine::State::CommitForward(ProvisioningRun& run, Held& h, int max_steps) {
  ProvisioningRun next;
  std::optional<Workspace> left;
  h.workspace.reset();  // only what this commit leaves, once it is committed
  WS_RETURN_IF_ERROR(store.WriteRowLocked([&](store::Tx& tx) -> Status {
    next = run;
    WS_RETURN_IF_ERROR(ApplyForward(tx, next, max_steps, left));
    return tx.UpdateRun(next, h.fence);
  }));
  run = std::move(next);
  h.workspace = std::move(left);
  return Status::Ok();
}

bool Engine::State::DatabaseOnly(const ProvisioningRun& run, int i) const {
  const Step* step = StepOf(run, i);
  return step != nullptr && !step->has_external() &&
         failpoints.For(step->name(), run.steps[i].attempts + 1) == Failpoint::Action::kNone;
}

Status Engine::State::ApplyForward(store::Tx& tx, ProvisioningRun& next, int max_steps,
                                   std::optional<Workspace>& workspace) {
  const int n = static_cast<int>(next.steps.size());
  WS_ASSIGN_OR_RETURN(Workspace ws, tx.GetWorkspace(next.workspace_id));
  const Workspace before = ws;
  const Micros now = clock.Now();
  int j = next.current_step;
  int count = 0;
  do {
    auto& ps = next.steps[j];
    if (ps.started_at == 0) ps.started_at = now;
    ps.attempts += 1;
    Step* const step = StepOf(next, j);
    if (step == nullptr) return Internal("no step named " + ps.name);
    WS_RETURN_IF_ERROR(step->Apply(tx, ws, env));
    ps.state = StepState::kSucceeded;
    ps.finished_at = now;
    WS_RETURN_IF_ERROR(tx.AppendAudit(Event(next, "step.succeeded", "success",
                                            {{"step", ps.name}, {"attempt", ps.attempts}}, now)));
    ++j;
    ++count;
  } while (j < n && count < max_steps && DatabaseOnly(next, j));
  next.current_step = j;
  next.updated_at = now;
  if (j == n) {
    next.state = RunState::kSucceeded;
    next.finished_at = now;
    next.lease_owner.clear();
    next.lease_expires_at = 0;
    WS_RETURN_IF_ERROR(
        tx.AppendAudit(Event(next, "run.succeeded", "success", {}, now)));
    // A purge closes the workspace's audit chain: nothing is appended to
    // it after this event (docs/lifecycle.md).
    if (next.kind == model::OperationKind::kPurge) {
      model::AuditEvent seal = Event(next, "", "success",
                                     {{"operation_id", next.id}, {"sealed", true}}, now);
      seal.action = "workspace.purged";
      seal.target_type = "workspace";
      seal.target_id = next.workspace_id;
      WS_RETURN_IF_ERROR(tx.AppendAudit(seal));
    }
  }
  if (ws.phase != before.phase || ws.status != before.status ||
      ws.status_reason != before.status_reason) {
    ws.version = before.version + 1;
    ws.updated_at = now;
    WS_RETURN_IF_ERROR(tx.UpdateWorkspace(ws));
  }
  workspace = std::move(ws);
  return Status::Ok();
}

Engine::State::Next Engine::State::RecordFailure(ProvisioningRun& run, Held& h, int i,
                                                 const Status& err) {
  const bool retryable = IsRetryable(err);
  const PublicError shown = PublicErrorOf(err);
  // The detail stays here, with the run; everything stored below is public.
  log::Warn("saga: a step attempt failed", {{"run", run.id},
                                            {"workspace_id", run.workspace_id},
                                            {"step", run.steps[i].name},
                                            {"attempt", run.steps[i].attempts + 1},
                                            {"code", std::string(shown.code)},
                                            {"error", err.message()}});
  ProvisioningRun next;
  bool retry = false;
  const Status s = store.WriteRowLocked([&](store::Tx& tx) -> Status {
    next = run;
    const Micros now = clock.Now();
    auto& ps = next.steps[i];
    if (ps.started_at == 0) ps.started_at = now;
    ps.attempts += 1;
    ps.last_error = shown.text;
    ps.last_error_code = shown.code;
    // A full disk is waited out however long it lasts: an operator frees
    // space, and failing the run would only need the space to compensate.
    retry = retryable && (ps.attempts < options.max_attempts || err.cause() == Cause::kStorageFull);
    // A delete or a purge has nothing to compensate to: it is tried again,
    // at the longest backoff once its attempts are spent, until it succeeds.
    const bool persist = !Compensable(next.kind);
    if (persist) retry = true;
    next.updated_at = now;
    WS_RETURN_IF_ERROR(tx.AppendAudit(Event(next, "step.failed", "failure",
                                            {{"step", ps.name},
                                             {"attempt", ps.attempts},
                                             {"error", shown.text},
                                             {"error_code", shown.code},
                                             {"retry", retry}},
                                            now)));
    if (retry) {
      ps.state = StepState::kPending;
      next.next_attempt_at =
          now + Backoff(options, persist ? std::min(ps.attempts, options.max_attempts) : ps.attempts,
                        random);
      next.lease_owner.clear();
      next.lease_expires_at = 0;
    } else {
      ps.state = StepState::kFailed;
      ps.finished_at = now;
      next.state = RunState::kCompensating;
      next.error = ForwardError(next, i, shown, retryable);
      next.error_code = shown.code;
      next.current_step = i;
      WS_RETURN_IF_ERROR(
          tx.AppendAudit(Event(next, "run.compensating", "failure",
                               {{"error", next.error}, {"error_code", next.error_code}}, now)));
    }
    return tx.UpdateRun(next, h.fence);
  });
  if (!s.ok()) {
    // The lease will expire and the attempt be made again.
    log::Warn("saga: could not record a failed attempt",
              {{"run", run.id}, {"error", s.message()}, {"cause", err.message()}});
    return Next::kStop;
  }
  run = std::move(next);
  return retry ? Next::kStop : Next::kContinue;
}

}  // namespace workspaced::saga
