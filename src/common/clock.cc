#include "common/clock.h"

#include <algorithm>

namespace workspaced {

void Wakeup::Notify() {
  // Taking the mutex orders this after a waiter's check of its condition:
  // the waiter is either before the check (and sees the change) or waiting.
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
}

bool SystemClock::WaitUntil(Micros deadline, Wakeup& wakeup, FunctionRef<bool()> done) const {
  // Slices bound how far a step of the wall clock can stretch a wait, and
  // keep the monotonic deadline of each slice far from overflowing.
  constexpr Micros kSlice = 1'000'000;
  std::unique_lock lock(wakeup.mu_);
  while (!done()) {
    const Micros left = deadline - Now();
    if (left <= 0) return false;
    wakeup.cv_.wait_for(lock, std::chrono::microseconds(std::min(left, kSlice)));
  }
  return true;
}

void ManualClock::Advance(Micros d) {
  now_.fetch_add(d, std::memory_order_acq_rel);
  WakeWaiters();
}

void ManualClock::Set(Micros t) {
  now_.store(t, std::memory_order_release);
  WakeWaiters();
}

void ManualClock::WakeWaiters() {
  std::lock_guard lock(mu_);
  // A waiter unregisters under mu_, so every Wakeup here is alive.
  for (const Waiter& w : waiters_) w.wakeup->Notify();
  waiters_changed_.notify_all();
}

bool ManualClock::WaitUntil(Micros deadline, Wakeup& wakeup, FunctionRef<bool()> done) const {
  bool result = false;
  {
    std::lock_guard lock(mu_);
    waiters_.push_back({&wakeup, deadline, done, &result});
    waiters_changed_.notify_all();
  }
  {
    std::unique_lock lock(wakeup.mu_);
    wakeup.cv_.wait(lock, [&] { return done() || Now() >= deadline; });
    result = done();
  }
  // Unregistered under mu_: WakeWaiters and AwaitWaiters never see a
  // Wakeup or a condition that is gone.
  std::lock_guard lock(mu_);
  const auto it = std::find_if(waiters_.begin(), waiters_.end(),
                               [&](const Waiter& w) { return w.id == &result; });
  waiters_.erase(it);
  waiters_changed_.notify_all();
  return result;
}

std::size_t ManualClock::BlockedLocked() const {
  const Micros now = Now();
  std::size_t blocked = 0;
  for (const Waiter& w : waiters_) {
    if (w.deadline <= now) continue;
    std::lock_guard lock(w.wakeup->mu_);  // the order WaitUntil evaluates `done` in
    if (!w.done()) ++blocked;
  }
  return blocked;
}

bool ManualClock::AwaitWaiters(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return waiters_changed_.wait_for(lock, timeout, [&] { return BlockedLocked() >= n; });
}

}  // namespace workspaced
