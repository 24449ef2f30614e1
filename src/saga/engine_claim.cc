// Claiming due runs and the leases that fence them (engine_state.h).
#include <string>
#include <vector>

#include "common/log.h"
#include "saga/engine_state.h"

namespace workspaced::saga {
namespace {

using model::ProvisioningRun;
using model::RunState;

bool Unfinished(RunState s) {
  return s == RunState::kPending || s == RunState::kRunning || s == RunState::kCompensating;
}

}  // namespace

StatusOr<std::optional<ProvisioningRun>> Engine::State::Claim(
    std::string& id, bool forward, std::optional<model::Workspace>& workspace) {
  std::optional<ProvisioningRun> claimed;
  const bool next = id.empty();
  WS_RETURN_IF_ERROR(store.WriteRowLocked([&](store::Tx& tx) -> Status {
    claimed.reset();
    workspace.reset();
    const Micros now = clock.Now();
    if (next) {
      WS_ASSIGN_OR_RETURN(const std::optional<std::string> due, tx.LockNextClaimableRun(now));
      if (!due) return Status::Ok();
      id = *due;
    } else {
      // Another worker (of any process) claiming it right now: leave it.
      WS_ASSIGN_OR_RETURN(const bool locked, tx.LockRunForClaim(id));
      if (!locked) return Status::Ok();
    }
    WS_ASSIGN_OR_RETURN(ProvisioningRun run, tx.GetRun(id));
    if (!Unfinished(run.state) || run.next_attempt_at > now) return Status::Ok();
    if (!run.lease_owner.empty() && run.lease_expires_at > now) return Status::Ok();
    const std::int64_t fence = run.lease_version;
    const std::string previous = run.lease_owner;
    run.lease_owner = options.owner;
    run.lease_expires_at = now + options.lease;
    run.lease_version = fence + 1;
    run.updated_at = now;
    if (run.state == RunState::kPending) {
      run.state = RunState::kRunning;
      WS_RETURN_IF_ERROR(tx.AppendAudit(
          Event(run, "run.started", "success", {{"owner", options.owner}}, now)));
    } else if (!previous.empty()) {
      WS_RETURN_IF_ERROR(
          tx.AppendAudit(Event(run, "run.taken_over", "success",
                               {{"owner", options.owner}, {"previous_owner", previous}}, now)));
    }
    if (forward && run.state == RunState::kRunning && DatabaseOnly(run, run.current_step))
      WS_RETURN_IF_ERROR(
          ApplyForward(tx, run, static_cast<int>(run.steps.size()), workspace));
    WS_RETURN_IF_ERROR(tx.UpdateRun(run, fence));
    claimed = std::move(run);
    return Status::Ok();
  }));
  return claimed;
}

StatusOr<bool> Engine::State::WorkOnce() {
  // The next due run, found and claimed in one transaction.
  std::string id;
  std::optional<model::Workspace> workspace;
  StatusOr<std::optional<ProvisioningRun>> run = Claim(id, /*forward=*/true, workspace);
  if (!run.ok() && !id.empty()) run = Claim(id, /*forward=*/false, workspace);
  if (!run.ok()) return run.status();
  if (!*run) return false;
  Advance(std::move(**run), std::move(workspace));
  return true;
}

void Engine::State::Release(const ProvisioningRun& run, Held& h) {
  ProvisioningRun next = run;
  next.lease_owner.clear();
  next.lease_expires_at = 0;
  const Status s =
      store.WriteRowLocked([&](store::Tx& tx) { return tx.UpdateRun(next, h.fence); });
  if (!s.ok())
    log::Warn("saga: could not release a lease", {{"run", run.id}, {"error", s.message()}});
}

Engine::State::Stored Engine::State::Recheck(ProvisioningRun& run, const Held& h) {
  std::optional<ProvisioningRun> stored;
  const Status s = store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(stored, tx.GetRun(run.id));
    return Status::Ok();
  });
  if (!s.ok()) {
    // The database is away: nothing may be written from `run`; whoever
    // claims it once the lease expires starts from what is stored.
    log::Warn("saga: could not record a step's outcome; the run is left to the next claim",
              {{"run", run.id}, {"error", s.message()}});
    return Stored::kLost;
  }
  if (stored->lease_version != h.fence) return Stored::kLost;
  if (stored->current_step == run.current_step && stored->state == run.state) return Stored::kSame;
  log::Info("saga: a write whose commit went unanswered had committed", {{"run", run.id}});
  run = std::move(*stored);
  return Stored::kAdopted;
}

}  // namespace workspaced::saga
