#include "saga/engine.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "common/log.h"
#include "saga/engine_state.h"

namespace workspaced::saga {

Micros Backoff(const EngineOptions& options, int attempt, Random& random) {
  Micros d = options.backoff_initial;
  for (int i = 1; i < attempt && d < options.backoff_max; ++i) d *= 2;
  d = std::min(d, options.backoff_max);
  const Micros half = d / 2;
  const Micros jitter = half > 0 ? static_cast<Micros>(random.NextU64() % (half + 1)) : 0;
  return d - half + jitter;
}

model::AuditEvent Engine::State::Event(const model::ProvisioningRun& run, std::string_view what,
                                       std::string outcome, const boost::json::object& details,
                                       Micros now) const {
  const bool provisioning = Compensable(run.kind);
  model::AuditEvent e;
  e.time = now;
  e.actor = "system:saga";
  e.actor_auth = "system";
  e.action = std::string(provisioning ? "provisioning" : model::ToString(run.kind)) + "." +
             std::string(what);
  e.target_type = provisioning ? "provisioning_run" : "operation";
  e.target_id = run.id;
  e.workspace_id = run.workspace_id;
  e.outcome = std::move(outcome);
  e.details = boost::json::serialize(details);
  return e;
}

Step* Engine::State::StepOf(const model::ProvisioningRun& run, int i) const {
  if (i < 0 || i >= static_cast<int>(run.steps.size())) return nullptr;
  const auto it = by_name.find(run.steps[i].name);
  return it == by_name.end() ? nullptr : it->second;
}

void Engine::State::Crash(const model::ProvisioningRun& run, int i, std::string_view where) const {
  log::Error("saga: failpoint crash", {{"run", run.id},
                                       {"step", run.steps[i].name},
                                       {"state", std::string(model::ToString(run.state))},
                                       {"where", std::string(where)}});
  log::Flush();
  std::raise(SIGKILL);
  _exit(137);
}

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
  std::lock_guard lock(state_->start_mu);
  if (state_->started || state_->Stopping()) return;
  state_->started = true;
  for (auto& worker : state_->workers) worker->Start();
  state_->heartbeat->Start(/*first_delay=*/state_->HeartbeatPeriod());
}

void Engine::Stop() {
  if (state_->stopping.exchange(true)) return;
  state_->interrupt.Notify();
  // Workers finish their current step (releasing its lease); the heartbeat
  // keeps the leases alive until they have.
  for (auto& worker : state_->workers) worker->Stop();
  state_->heartbeat->Stop();
}

void Engine::Wake() {
  // One idle worker looks at once; busy ones look again after their
  // current run (as when they all waited for one generation count).
  bool woke_idle = false;
  for (auto& worker : state_->workers) {
    if (worker->ticking()) {
      worker->Wake();
    } else if (!woke_idle) {
      worker->Wake();
      woke_idle = true;
    }
  }
}

Status Engine::RunUntilIdle() {
  while (true) {
    WS_ASSIGN_OR_RETURN(const bool worked, state_->WorkOnce());
    if (!worked) return Status::Ok();
  }
}

}  // namespace workspaced::saga
