// The engine's threads: workers that look for due runs and a heartbeat that
// extends the leases of the runs they hold (engine_state.h).
#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "saga/engine_state.h"

namespace workspaced::saga {

void Engine::State::WorkerLoop() {
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

void Engine::State::HeartbeatLoop() {
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

}  // namespace workspaced::saga
