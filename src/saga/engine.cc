#include "saga/engine.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include "common/log.h"

namespace workspaced::saga {
namespace {

using model::ProvisioningRun;
using model::RunState;
using model::StepState;
using model::Workspace;

constexpr int kClaimBatch = 16;

bool Unfinished(RunState s) {
  return s == RunState::kPending || s == RunState::kRunning || s == RunState::kCompensating;
}

// Whether compensation has anything to undo for this step: it was tried.
bool NeedsCompensation(const model::ProvisioningStep& s) {
  return s.state == StepState::kSucceeded || s.state == StepState::kFailed || s.attempts > 0;
}

std::string ForwardError(const ProvisioningRun& run, int i, const Status& err, bool exhausted) {
  const auto& step = run.steps[i];
  std::string out = "provisioning failed at step " + step.name;
  if (exhausted) out += " after " + std::to_string(step.attempts) + " attempts";
  return out + ": " + err.message();
}

}  // namespace

Micros Backoff(const EngineOptions& options, int attempt, Random& random) {
  Micros d = options.backoff_initial;
  for (int i = 1; i < attempt && d < options.backoff_max; ++i) d *= 2;
  d = std::min(d, options.backoff_max);
  const Micros half = d / 2;
  const Micros jitter = half > 0 ? static_cast<Micros>(random.NextU64() % (half + 1)) : 0;
  return d - half + jitter;
}

// A run this engine holds a lease on.
struct Held {
  std::string id;
  std::int64_t fence = 0;
  std::atomic<bool> lost{false};
};

struct Engine::State {
  State(const EngineOptions& o, store::Store& s, std::vector<std::unique_ptr<Step>> st,
        const Clock& c, Random& r, Failpoints f)
      : options(o),
        store(s),
        steps(std::move(st)),
        clock(c),
        random(r),
        failpoints(std::move(f)),
        env{c, r} {}

  enum class Next { kContinue, kStop };

  const EngineOptions& options;
  store::Store& store;
  std::vector<std::unique_ptr<Step>> steps;
  const Clock& clock;
  Random& random;
  const Failpoints failpoints;
  StepEnv env;

  std::mutex mu;
  std::condition_variable cv;     // workers
  std::condition_variable hb_cv;  // heartbeat
  bool started = false;
  bool stopping = false;
  std::uint64_t wake_gen = 0;
  std::vector<std::thread> workers;
  std::thread heartbeat;

  std::mutex held_mu;
  std::map<std::string, std::shared_ptr<Held>> held;

  std::atomic<unsigned> next_offset{0};

  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }

  model::AuditEvent Event(const ProvisioningRun& run, std::string action, std::string outcome,
                          const boost::json::object& details, Micros now) const {
    model::AuditEvent e;
    e.time = now;
    e.actor = "system:saga";
    e.actor_auth = "system";
    e.action = std::move(action);
    e.target_type = "provisioning_run";
    e.target_id = run.id;
    e.workspace_id = run.workspace_id;
    e.outcome = std::move(outcome);
    e.details = boost::json::serialize(details);
    return e;
  }

  // ---- claiming ----

  // Leases the run if it is due. With `forward`, the claim's transaction
  // also applies the leading database-only steps (one commit less per run);
  // should that fail, the caller claims again without.
  StatusOr<std::optional<ProvisioningRun>> Claim(const std::string& id, bool forward) {
    std::optional<ProvisioningRun> claimed;
    WS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
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
            Event(run, "provisioning.run.started", "success", {{"owner", options.owner}}, now)));
      } else if (!previous.empty()) {
        WS_RETURN_IF_ERROR(
            tx.AppendAudit(Event(run, "provisioning.run.taken_over", "success",
                                 {{"owner", options.owner}, {"previous_owner", previous}}, now)));
      }
      if (forward && run.state == RunState::kRunning && DatabaseOnly(run, run.current_step))
        WS_RETURN_IF_ERROR(ApplyForward(tx, run, static_cast<int>(steps.size())));
      WS_RETURN_IF_ERROR(tx.UpdateRun(run, fence));
      claimed = std::move(run);
      return Status::Ok();
    }));
    return claimed;
  }

  // Claims and advances one due run; false when none was due.
  StatusOr<bool> WorkOnce() {
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

  // ---- advancing a held run ----

  void Advance(ProvisioningRun run) {
    auto h = std::make_shared<Held>();
    h->id = run.id;
    h->fence = run.lease_version;
    {
      std::lock_guard lock(held_mu);
      held[run.id] = h;
    }
    Next next = Next::kContinue;
    while (next == Next::kContinue) {
      if (h->lost) {
        log::Warn("saga: lease lost, another worker owns the run", {{"run", run.id}});
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

  void Release(const ProvisioningRun& run, Held& h) {
    ProvisioningRun next = run;
    next.lease_owner.clear();
    next.lease_expires_at = 0;
    const Status s = store.Write([&](store::Tx& tx) { return tx.UpdateRun(next, h.fence); });
    if (!s.ok())
      log::Warn("saga: could not release a lease", {{"run", run.id}, {"error", s.message()}});
  }

  StatusOr<Workspace> ReadWorkspace(const std::string& id) {
    Workspace ws;
    WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(id));
      return Status::Ok();
    }));
    return ws;
  }

  // Sleeps in short slices, giving up early when stopping or the lease is lost.
  void Sleep(int ms, const Held& h) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until && !h.lost && !Stopping())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // True when the lease is still ours (the stored version is our fence).
  bool StillHeld(const ProvisioningRun& run, const Held& h) {
    std::int64_t version = -1;
    const Status s = store.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(const ProvisioningRun stored, tx.GetRun(run.id));
      version = stored.lease_version;
      return Status::Ok();
    });
    return s.ok() && version == h.fence;
  }

  Next Forward(ProvisioningRun& run, Held& h) {
    const int n = static_cast<int>(steps.size());
    const int i = run.current_step;
    if (i < 0 || i >= n) {
      log::Error("saga: run has no current step", {{"run", run.id}});
      return Next::kStop;
    }
    Step& step = *steps[i];
    const int attempt = run.steps[i].attempts + 1;
    const Failpoint::Action action = failpoints.For(step.name(), attempt);
    if (action == Failpoint::Action::kDelay) {
      Sleep(failpoints.DelayMs(step.name()), h);
      if (h.lost || Stopping()) return Next::kContinue;  // Advance stops or releases
    }
    Status err;
    if (action == Failpoint::Action::kError) {
      err = Unavailable("failpoint: injected error in " + std::string(step.name()));
    } else if (action == Failpoint::Action::kFatal) {
      err = Fatal("failpoint: injected fatal error in " + std::string(step.name()));
    } else if (step.has_external()) {
      StatusOr<Workspace> ws = ReadWorkspace(run.workspace_id);
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
    if (action == Failpoint::Action::kCrash) CrashAfterEffect(run, h, i);

    Status s = CommitForward(run, h, /*max_steps=*/n);
    if (!s.ok() && StillHeld(run, h)) s = CommitForward(run, h, /*max_steps=*/1);
    if (s.ok()) return run.state == RunState::kSucceeded ? Next::kStop : Next::kContinue;
    if (!StillHeld(run, h)) {
      h.lost = true;
      return Next::kContinue;
    }
    return RecordFailure(run, h, i, s);
  }

  // One transaction: the current step's database effect and record, then as
  // many following database-only steps without failpoints as `max_steps`
  // allows. On success `run` is what was stored.
  Status CommitForward(ProvisioningRun& run, Held& h, int max_steps) {
    ProvisioningRun next;
    WS_RETURN_IF_ERROR(store.Write([&](store::Tx& tx) -> Status {
      next = run;
      WS_RETURN_IF_ERROR(ApplyForward(tx, next, max_steps));
      return tx.UpdateRun(next, h.fence);
    }));
    run = std::move(next);
    return Status::Ok();
  }

  // Whether step i can run inside a transaction without anything before it:
  // no External part and no failpoint for its next attempt.
  bool DatabaseOnly(const ProvisioningRun& run, int i) const {
    return i >= 0 && i < static_cast<int>(steps.size()) && !steps[i]->has_external() &&
           failpoints.For(steps[i]->name(), run.steps[i].attempts + 1) == Failpoint::Action::kNone;
  }

  // In `tx`: applies and records the current step (its External part, if
  // any, already done) and up to max_steps - 1 following database-only steps;
  // updates the workspace. The caller writes `next` with its fence.
  Status ApplyForward(store::Tx& tx, ProvisioningRun& next, int max_steps) {
    const int n = static_cast<int>(steps.size());
    WS_ASSIGN_OR_RETURN(Workspace ws, tx.GetWorkspace(next.workspace_id));
    const Workspace before = ws;
    const Micros now = clock.Now();
    int j = next.current_step;
    int count = 0;
    do {
      auto& ps = next.steps[j];
      if (ps.started_at == 0) ps.started_at = now;
      ps.attempts += 1;
      WS_RETURN_IF_ERROR(steps[j]->Apply(tx, ws, env));
      ps.state = StepState::kSucceeded;
      ps.finished_at = now;
      WS_RETURN_IF_ERROR(tx.AppendAudit(Event(next, "provisioning.step.succeeded", "success",
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
          tx.AppendAudit(Event(next, "provisioning.run.succeeded", "success", {}, now)));
    }
    if (ws.phase != before.phase || ws.status != before.status ||
        ws.status_reason != before.status_reason) {
      ws.version = before.version + 1;
      ws.updated_at = now;
      WS_RETURN_IF_ERROR(tx.UpdateWorkspace(ws));
    }
    return Status::Ok();
  }

  // The `crash` failpoint: the step's database effect is committed without
  // its record, then the process dies as if killed.
  [[noreturn]] void CrashAfterEffect(const ProvisioningRun& run, Held& h, int i) {
    const Status s = store.Write([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(Workspace ws, tx.GetWorkspace(run.workspace_id));
      const Workspace before = ws;
      WS_RETURN_IF_ERROR(steps[i]->Apply(tx, ws, env));
      if (ws.phase != before.phase || ws.status != before.status) {
        ws.version = before.version + 1;
        WS_RETURN_IF_ERROR(tx.UpdateWorkspace(ws));
      }
      return tx.ExtendLease(run.id, h.fence, clock.Now() + options.lease);
    });
    log::Error("saga: failpoint crash", {{"run", run.id},
                                         {"step", run.steps[i].name},
                                         {"effect", s.ok() ? "committed" : s.message()}});
    log::Flush();
    std::raise(SIGKILL);
    _exit(137);
  }

  Next RecordFailure(ProvisioningRun& run, Held& h, int i, const Status& err) {
    const bool retryable = IsRetryable(err);
    ProvisioningRun next;
    bool retry = false;
    const Status s = store.Write([&](store::Tx& tx) -> Status {
      next = run;
      const Micros now = clock.Now();
      auto& ps = next.steps[i];
      if (ps.started_at == 0) ps.started_at = now;
      ps.attempts += 1;
      ps.last_error = err.message();
      retry = retryable && ps.attempts < options.max_attempts;
      next.updated_at = now;
      WS_RETURN_IF_ERROR(tx.AppendAudit(Event(
          next, "provisioning.step.failed", "failure",
          {{"step", ps.name}, {"attempt", ps.attempts}, {"error", err.message()}, {"retry", retry}},
          now)));
      if (retry) {
        ps.state = StepState::kPending;
        next.next_attempt_at = now + Backoff(options, ps.attempts, random);
        next.lease_owner.clear();
        next.lease_expires_at = 0;
      } else {
        ps.state = StepState::kFailed;
        ps.finished_at = now;
        next.state = RunState::kCompensating;
        next.error = ForwardError(next, i, err, retryable);
        next.current_step = i;
        WS_RETURN_IF_ERROR(tx.AppendAudit(
            Event(next, "provisioning.run.compensating", "failure", {{"error", next.error}}, now)));
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

  // The next step at or below `from` that compensation must undo, or -1.
  static int NextToCompensate(const ProvisioningRun& run, int from) {
    int i = std::min(from, static_cast<int>(run.steps.size()) - 1);
    while (i >= 0 &&
           (!NeedsCompensation(run.steps[i]) || run.steps[i].state == StepState::kCompensated))
      --i;
    return i;
  }

  Next Compensate(ProvisioningRun& run, Held& h) {
    const int i = NextToCompensate(run, run.current_step);
    if (i >= 0 && steps[i]->has_external()) {
      StatusOr<Workspace> ws = ReadWorkspace(run.workspace_id);
      Status err = ws.ok() ? steps[i]->CompensateExternal(*ws) : ws.status();
      if (ws.status().code() == Code::kNotFound) err = Status::Ok();
      if (!err.ok()) return RecordCompensationFailure(run, h, i, err);
    }
    ProvisioningRun next;
    const Status s = store.Write([&](store::Tx& tx) -> Status {
      next = run;
      const Micros now = clock.Now();
      StatusOr<Workspace> got = tx.GetWorkspace(run.workspace_id);
      if (!got.ok() && got.status().code() != Code::kNotFound) return got.status();
      const bool has_ws = got.ok();
      Workspace ws = has_ws ? *got : Workspace{};
      const Workspace before = ws;
      int after = -1;
      if (i >= 0) {
        if (has_ws) WS_RETURN_IF_ERROR(steps[i]->CompensateTx(tx, ws));
        auto& ps = next.steps[i];
        if (ps.state == StepState::kSucceeded) ps.state = StepState::kCompensated;
        WS_RETURN_IF_ERROR(tx.AppendAudit(
            Event(next, "provisioning.step.compensated", "success", {{"step", ps.name}}, now)));
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
        WS_RETURN_IF_ERROR(tx.AppendAudit(
            Event(next, "provisioning.run.failed", "failure", {{"error", next.error}}, now)));
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
      if (!StillHeld(run, h)) {
        h.lost = true;
        return Next::kContinue;
      }
      return RecordCompensationFailure(run, h, i, s);
    }
    run = std::move(next);
    return run.state == RunState::kFailed ? Next::kStop : Next::kContinue;
  }

  Next RecordCompensationFailure(ProvisioningRun& run, Held& h, int i, const Status& err) {
    ProvisioningRun next;
    const Status s = store.Write([&](store::Tx& tx) -> Status {
      next = run;
      const Micros now = clock.Now();
      const std::string name = i >= 0 ? run.steps[i].name : "";
      if (i >= 0) next.steps[i].last_error = "compensation: " + err.message();
      next.next_attempt_at = now + Backoff(options, options.max_attempts, random);
      next.lease_owner.clear();
      next.lease_expires_at = 0;
      next.updated_at = now;
      WS_RETURN_IF_ERROR(
          tx.AppendAudit(Event(next, "provisioning.step.compensation_failed", "failure",
                               {{"step", name}, {"error", err.message()}}, now)));
      return tx.UpdateRun(next, h.fence);
    });
    if (s.ok()) run = std::move(next);
    return Next::kStop;
  }

  // ---- threads ----

  void WorkerLoop() {
    while (true) {
      std::uint64_t gen;
      {
        std::lock_guard lock(mu);
        if (stopping) return;
        gen = wake_gen;
      }
      StatusOr<bool> worked = WorkOnce();
      if (!worked.ok())
        log::Warn("saga: worker could not look for work", {{"error", worked.status().message()}});
      if (worked.ok() && *worked) continue;
      Micros wait = options.poll;
      std::optional<Micros> due;
      const Status s = store.Read([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(due, tx.NextRunWakeup());
        return Status::Ok();
      });
      if (s.ok() && due) wait = std::clamp<Micros>(*due - clock.Now(), 1'000, options.poll);
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::microseconds(wait),
                  [&] { return stopping || wake_gen != gen; });
    }
  }

  void HeartbeatLoop() {
    const auto period = std::chrono::microseconds(std::max<Micros>(options.lease / 3, 10'000));
    std::unique_lock lock(mu);
    while (!stopping) {
      hb_cv.wait_for(lock, period, [&] { return stopping; });
      if (stopping) break;
      lock.unlock();
      std::vector<std::shared_ptr<Held>> now_held;
      {
        std::lock_guard hl(held_mu);
        for (auto& [id, h] : held) now_held.push_back(h);
      }
      for (auto& h : now_held) {
        const Status s = store.Write([&](store::Tx& tx) {
          return tx.ExtendLease(h->id, h->fence, clock.Now() + options.lease);
        });
        if (s.code() == Code::kConflict || s.code() == Code::kNotFound) h->lost = true;
      }
      lock.lock();
    }
  }
};

Engine::Engine(EngineOptions options, store::Store& store, std::vector<std::unique_ptr<Step>> steps,
               const Clock& clock, Random& random, Failpoints failpoints)
    : options_(std::move(options)) {
  if (options_.owner.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    options_.owner =
        std::string(host) + ":" + std::to_string(getpid()) + ":" + RandomHex(random, 4);
  }
  options_.workers = std::max(1, options_.workers);
  state_ = std::make_unique<State>(options_, store, std::move(steps), clock, random,
                                   std::move(failpoints));
}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  std::lock_guard lock(state_->mu);
  if (state_->started) return;
  state_->started = true;
  for (int i = 0; i < options_.workers; ++i)
    state_->workers.emplace_back([s = state_.get()] { s->WorkerLoop(); });
  state_->heartbeat = std::thread([s = state_.get()] { s->HeartbeatLoop(); });
}

void Engine::Stop() {
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return;
    state_->stopping = true;
  }
  state_->cv.notify_all();
  state_->hb_cv.notify_all();
  for (auto& t : state_->workers) t.join();
  if (state_->heartbeat.joinable()) state_->heartbeat.join();
}

void Engine::Wake() {
  {
    std::lock_guard lock(state_->mu);
    ++state_->wake_gen;
  }
  state_->cv.notify_one();
}

Status Engine::RunUntilIdle() {
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool worked, state_->WorkOnce());
    if (!worked) return Status::Ok();
  }
}

}  // namespace workspaced::saga
