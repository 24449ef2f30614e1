// The engine's internals (engine.h), shared by the files that implement it:
//
//   engine.cc             the public Engine: construction, Start/Stop/Wake
//   engine_claim.cc       claiming due runs, releasing and checking leases
//   engine_forward.cc     advancing a held run through its steps, failures
//   engine_compensate.cc  undoing the steps of a run that failed
//   engine_workers.cc     the worker and heartbeat loops
//
// Every write of a run is Store::WriteRowLocked (REPEATABLE READ on
// PostgreSQL): it writes the run's row, fenced by the lease version, and the
// workspace's row it read (ApplyForward, compensation), so a concurrent
// change of either makes one of the two run again; the steps' other reads
// are of rows only the run's holder writes (its environments), of rows it
// writes (the creator's membership), or of the account's trusted issuers,
// whose change moves the version of every workspace still provisioning
// (Accounts::SetTrustedIssuers). docs/postgresql.md has the table.
//
// Not part of the interface: include only from src/saga/engine*.cc.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/background_loop.h"
#include "saga/engine.h"

namespace workspaced::saga {

// A run this engine holds a lease on.
struct Held {
  std::string id;
  std::int64_t fence = 0;
  std::atomic<bool> lost{false};
  // The workspace as the run's last commit left it, for the External part
  // right after that commit (instead of a read of its own); used once.
  // Only the advancing thread touches it.
  std::optional<model::Workspace> workspace;
};

struct Engine::State {
  State(const EngineOptions& o, store::Store& s, std::vector<std::unique_ptr<Step>> st,
        const Clock& c, Random& r, Failpoints f);

  enum class Next { kContinue, kStop };

  const EngineOptions& options;
  store::Store& store;
  std::vector<std::unique_ptr<Step>> steps;
  std::map<std::string, Step*, std::less<>> by_name;  // into steps
  const Clock& clock;
  Random& random;
  const Failpoints failpoints;
  StepEnv env;

  std::mutex start_mu;  // Start once
  bool started = false;
  std::atomic<bool> stopping{false};
  // Ends waits inside a step (a failpoint's delay) early: on stop, or when
  // the heartbeat finds a lease lost.
  Wakeup interrupt;

  std::mutex held_mu;
  std::map<std::string, std::shared_ptr<Held>> held;

  // Last: they stop (in Engine::Stop, at the latest here) before what their
  // ticks use is destroyed.
  std::vector<std::unique_ptr<BackgroundLoop>> workers;
  std::unique_ptr<BackgroundLoop> heartbeat;

  // The step that runs run.steps[i]; null when this engine has none of
  // that name (the run is left alone).
  Step* StepOf(const model::ProvisioningRun& run, int i) const;

  bool Stopping() const { return stopping.load(std::memory_order_acquire); }

  // `what` is the action after its prefix: "run.started" is audited as
  // provisioning.run.started for a create or retry, purge.run.started for
  // a purge (the kind's name).
  model::AuditEvent Event(const model::ProvisioningRun& run, std::string_view what,
                          std::string outcome, const boost::json::object& details,
                          Micros now) const;

  // The `crash` failpoint: the process dies at once, as if killed, on the
  // way to step i's transaction (`where` is logged). Nothing is committed.
  [[noreturn]] void Crash(const model::ProvisioningRun& run, int i, std::string_view where) const;

  // ---- claiming (engine_claim.cc) ----

  // Leases the run `id` if it is due, or, with `id` empty, the next due run
  // (its id is put in `id`, even when the claim then fails). With
  // `forward`, the claim's transaction also applies the leading
  // database-only steps (one commit less per run); should that fail, the
  // caller claims that run again without.
  // `workspace`: the workspace as a forward claim left it.
  StatusOr<std::optional<model::ProvisioningRun>> Claim(std::string& id, bool forward,
                                                        std::optional<model::Workspace>& workspace);

  // Claims and advances one due run; false when none was due.
  StatusOr<bool> WorkOnce();

  // Gives the lease up (a graceful stop), so another engine continues at once.
  void Release(const model::ProvisioningRun& run, Held& h);

  // After a write of `run` that failed, what the stored run says. Its
  // outcome may be unknown (the connection broke during COMMIT): kAdopted
  // when it committed nonetheless — the stored run is still ours but
  // further along, and `run` becomes it, so no step is done twice; kSame
  // when it did not; kLost when the lease is another's or the stored run
  // cannot be read (then nothing may be written from `run`: the lease
  // expires and whoever claims the run starts from what is stored).
  enum class Stored { kSame, kAdopted, kLost };
  Stored Recheck(model::ProvisioningRun& run, const Held& h);

  // ---- advancing a held run (engine_forward.cc) ----

  // Holds `run` (the heartbeat extends its lease) and advances it until it
  // finishes, waits for a backoff or the lease is lost; releases it when
  // the engine stops.
  void Advance(model::ProvisioningRun run, std::optional<model::Workspace> workspace);

  StatusOr<model::Workspace> ReadWorkspace(const std::string& id);

  // Waits `ms` on the clock, giving up early when stopping or the lease is lost.
  void Sleep(int ms, const Held& h);

  // One attempt of the current step: its failpoint, its External part, then
  // CommitForward; a failure is recorded (RecordFailure).
  Next Forward(model::ProvisioningRun& run, Held& h);

  // One transaction: the current step's database effect and record, then as
  // many following database-only steps without failpoints as `max_steps`
  // allows. On success `run` is what was stored.
  Status CommitForward(model::ProvisioningRun& run, Held& h, int max_steps);

  // Whether step i can run inside a transaction without anything before it:
  // no External part and no failpoint for its next attempt.
  bool DatabaseOnly(const model::ProvisioningRun& run, int i) const;

  // In `tx`: applies and records the current step (its External part, if
  // any, already done) and up to max_steps - 1 following database-only steps;
  // updates the workspace. The caller writes `next` with its fence.
  // `workspace`: set to the workspace as the transaction leaves it.
  Status ApplyForward(store::Tx& tx, model::ProvisioningRun& next, int max_steps,
                      std::optional<model::Workspace>& workspace);

  // Records a failed attempt: the run is due again after a backoff, or
  // compensates when the error is fatal or the attempts are exhausted.
  Next RecordFailure(model::ProvisioningRun& run, Held& h, int i, const Status& err);

  // ---- compensation (engine_compensate.cc) ----

  // The next step at or below `from` that compensation must undo, or -1.
  static int NextToCompensate(const model::ProvisioningRun& run, int from);

  // Undoes the next step to undo (External part, then one transaction);
  // after the last the run is failed and the workspace in error.
  Next Compensate(model::ProvisioningRun& run, Held& h);

  // A compensation that failed is tried again after the longest backoff.
  Next RecordCompensationFailure(model::ProvisioningRun& run, Held& h, int i, const Status& err);

  // ---- the loops (engine_workers.cc) ----

  // One pass of a worker: claims and advances a due run; when the next pass
  // is due (at once after work, else when the next run is due, at most
  // `poll` later).
  Micros WorkerTick();
  // Extends the lease of every run held; when to do so again.
  Micros HeartbeatTick();
  Micros HeartbeatPeriod() const;
};

}  // namespace workspaced::saga
