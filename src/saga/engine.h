// The provisioning engine: advances provisioning runs stored in the database
// through the saga's steps (steps.h), with leases so that any number of
// engines — threads of one process, or processes sharing a database — can
// work side by side and take over from one that died.
//
//   claim      a run that is due (pending/running/compensating, its backoff
//              over, unleased or its lease expired) is leased to this engine:
//              owner, expiry, lease_version + 1. Every later write of the run
//              is fenced by that version: once another engine has claimed it,
//              the old owner's writes fail and it stops.
//   heartbeat  while a run is held, its lease is extended every lease/3.
//   forward    the current step's External part, then one transaction that
//              applies the step (and any following database-only steps that
//              have no failpoint) and records each as succeeded.
//   failure    retryable: the attempt is recorded, the lease released and the
//              run is due again after a capped exponential backoff with
//              jitter. Fatal or attempts exhausted: the run compensates.
//   compensate completed steps are undone in reverse order, one transaction
//              each; then the workspace is `error` with a status_reason and
//              the run `failed`. Compensations are retried until they succeed.
//
// Every transition is appended to the audit log in the transaction that makes
// it. Workers, the heartbeat and a failpoint's delay wait through `clock`
// (common/background_loop.h), so with a ManualClock no real time passes.
//
// Thread-safety: all public methods are safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "saga/failpoints.h"
#include "saga/steps.h"
#include "store/store.h"

namespace workspaced::saga {

struct EngineOptions {
  int workers = 2;
  Micros lease = 15'000'000;
  int max_attempts = 5;  // per step, forward
  Micros backoff_initial = 200'000;
  Micros backoff_max = 30'000'000;
  // How often idle workers look for work that another process made due.
  Micros poll = 1'000'000;
  // Unique per engine instance; generated when empty.
  std::string owner;
};

// The backoff before attempt `attempt + 1` after `attempt` failures:
// min(max, initial × 2^(attempt-1)), of which the upper half is random
// ("equal jitter": never less than half the exponential value).
Micros Backoff(const EngineOptions& options, int attempt, Random& random);

class Engine {
 public:
  Engine(EngineOptions options, store::Store& store, std::vector<std::unique_ptr<Step>> steps,
         const Clock& clock, Random& random, Failpoints failpoints);
  ~Engine();  // Stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the worker and heartbeat threads. Once.
  void Start();
  // Asks the workers to stop after their current step, releases the leases
  // they hold and joins them. Idempotent.
  void Stop();
  // New work is due now (a run was created or retried).
  void Wake();

  // For tests: in the calling thread, claims and advances due runs until none
  // is due now. Runs that wait for a backoff are left waiting.
  Status RunUntilIdle();

  const EngineOptions& options() const { return options_; }

 private:
  struct State;
  EngineOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace workspaced::saga
