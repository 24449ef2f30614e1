#include "common/background_loop.h"

#include <utility>

namespace workspaced {

BackgroundLoop::BackgroundLoop(const Clock& clock, Tick tick)
    : clock_(clock), tick_(std::move(tick)) {}

BackgroundLoop::~BackgroundLoop() { Stop(); }

void BackgroundLoop::Start(Micros first_delay) {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  stop_.store(false, std::memory_order_release);
  woken_.store(false, std::memory_order_release);
  const Micros first_at = clock_.Now() + first_delay;
  thread_ = std::thread([this, first_at] { Run(first_at); });
}

void BackgroundLoop::Stop() {
  std::lock_guard lock(thread_mu_);
  stop_.store(true, std::memory_order_release);
  wakeup_.Notify();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::Wake() {
  woken_.store(true, std::memory_order_release);
  wakeup_.Notify();
}

void BackgroundLoop::Run(Micros first_at) {
  Micros next = first_at;
  while (true) {
    clock_.WaitUntil(next, wakeup_, [this] {
      return stop_.load(std::memory_order_acquire) || woken_.load(std::memory_order_acquire);
    });
    if (stop_requested()) return;
    // A Wake() from here on (during the tick) makes the next tick run at once.
    woken_.store(false, std::memory_order_release);
    ticking_.store(true, std::memory_order_release);
    next = tick_();
    ticking_.store(false, std::memory_order_release);
  }
}

}  // namespace workspaced
