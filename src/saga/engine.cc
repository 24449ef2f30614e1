#include "saga/engine.h"

#include <unistd.h>

#include <algorithm>

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

model::AuditEvent Engine::State::Event(const model::ProvisioningRun& run, std::string action,
                                       std::string outcome, const boost::json::object& details,
                                       Micros now) const {
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
