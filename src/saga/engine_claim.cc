// Claiming due runs and the leases that fence them (engine_state.h).
#include <string>
#include <vector>

#include "common/log.h"
#include "saga/engine_state.h"

namespace workspaced::saga {
namespace {

using model::ProvisioningRun;
using model::RunState;

constexpr int kClaimBatch = 16;

bool Unfinished(RunState s) {
  return s == RunState::kPending || s == RunState::kRunning || s == RunState::kCompensating;
}

}  // namespace

StatusOr<std::optional<ProvisioningRun>> Engine::State::Claim(const std::string& id, bool forward) {
  std::optional<ProvisioningRun> claimed;
  WS_RETURN_IF_ERROR(store.WriteRowLocked([&](store::Tx& tx) -> Status {
    claimed.reset();
    // Another worker (of any process) claiming it right now: leave it.
    WS_ASSIGN_OR_RETURN(const bool locked, tx.LockRunForClaim(id));
    if (!locked) return Status::Ok();
    WS_ASSIGN_OR_RETURN(ProvisioningRun run, tx.GetRun(id));
    const Micros now = clock.Now();
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
      WS_RETURN_IF_ERROR(ApplyForward(tx, run, static_cast<int>(run.steps.size())));
    WS_RETURN_IF_ERROR(tx.UpdateRun(run, fence));
    claimed = std::move(run);
    return Status::Ok();
  }));
  return claimed;
}

StatusOr<bool> Engine::State::WorkOnce() {
  std::vector<std::string> ids;
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(ids, tx.ListClaimableRuns(clock.Now(), kClaimBatch));
    return Status::Ok();
  }));
  if (ids.empty()) return false;
  // Workers start at different places in the list so they rarely race for
  // the same run.
  const std::size_t start = next_offset.fetch_add(1) % ids.size();
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::string& id = ids[(start + k) % ids.size()];
    StatusOr<std::optional<ProvisioningRun>> run = Claim(id, /*forward=*/true);
    if (!run.ok()) run = Claim(id, /*forward=*/false);
    if (!run.ok()) return run.status();
    if (!*run) continue;
    Advance(std::move(**run));
    return true;
  }
  return false;
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
  if (!s.ok() || stored->lease_version != h.fence) return Stored::kLost;
  if (stored->current_step == run.current_step && stored->state == run.state) return Stored::kSame;
  log::Info("saga: a write whose commit went unanswered had committed", {{"run", run.id}});
  run = std::move(*stored);
  return Stored::kAdopted;
}

}  // namespace workspaced::saga
