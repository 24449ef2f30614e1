// The engine's loops: workers that look for due runs and a heartbeat that
// extends the leases of the runs they hold (engine_state.h). They wait
// through the engine's clock (common/background_loop.h).
#include <algorithm>

#include "common/log.h"
#include "saga/engine_state.h"

namespace workspaced::saga {

Engine::State::State(const EngineOptions& o, store::Store& s,
                     std::vector<std::unique_ptr<Step>> st, const Clock& c, Random& r,
                     Failpoints f)
    : options(o),
      store(s),
      steps(std::move(st)),
      clock(c),
      random(r),
      failpoints(std::move(f)),
      env{c, r} {
  for (const auto& step : steps) by_name.emplace(std::string(step->name()), step.get());
  for (int i = 0; i < options.workers; ++i)
    workers.push_back(std::make_unique<BackgroundLoop>(clock, [this] { return WorkerTick(); }));
  heartbeat = std::make_unique<BackgroundLoop>(clock, [this] { return HeartbeatTick(); });
}

Micros Engine::State::WorkerTick() {
  // Stopping: Engine::Stop stops this loop next; claim nothing more.
  if (Stopping()) return clock.Now() + options.poll;
  StatusOr<bool> worked = WorkOnce();
  if (!worked.ok())
    log::Warn("saga: worker could not look for work", {{"error", worked.status().message()}});
  if (worked.ok() && *worked) return clock.Now();
  Micros wait = options.poll;
  std::optional<Micros> due;
  const Status s = store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(due, tx.NextRunWakeup());
    return Status::Ok();
  });
  if (s.ok() && due) wait = std::clamp<Micros>(*due - clock.Now(), 1'000, options.poll);
  return clock.Now() + wait;
}

Micros Engine::State::HeartbeatPeriod() const {
  return std::max<Micros>(options.lease / 3, 10'000);
}

Micros Engine::State::HeartbeatTick() {
  std::vector<std::shared_ptr<Held>> now_held;
  {
    std::lock_guard hl(held_mu);
    for (auto& [id, h] : held) now_held.push_back(h);
  }
  for (auto& h : now_held) {
    const Status s = store.WriteRowLocked([&](store::Tx& tx) {
      return tx.ExtendLease(h->id, h->fence, clock.Now() + options.lease);
    });
    if (s.code() == Code::kConflict || s.code() == Code::kNotFound) {
      h->lost = true;
      interrupt.Notify();  // a failpoint's delay in that run ends now
    }
  }
  return clock.Now() + HeartbeatPeriod();
}

}  // namespace workspaced::saga
