// Time is injected so that expiry, leases, backoff and every wait are
// testable without sleeping. Timestamps are microseconds since the Unix epoch
// (UTC).
//
// Waiting: a thread waits on a Clock until a time, or until a condition of
// its own becomes true (a stop request, new work), whichever comes first.
// Whoever makes such a condition true calls Notify() on the Wakeup the
// waiter waits with. SystemClock waits for real; ManualClock's waiters wake
// only when a test moves the clock past their deadline (or are notified).
//
// Thread-safety: every Clock method is safe from any thread; so is Wakeup.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/function_ref.h"

namespace workspaced {

using Micros = std::int64_t;  // microseconds since the Unix epoch, UTC

// How a thread waiting on a Clock is woken before its deadline. Make the
// waiter's condition true (an atomic, or state under a lock the condition
// does not need), then call Notify(): no wakeup is lost between a waiter's
// check and its wait. Must outlive every wait that uses it.
class Wakeup {
 public:
  // Wakes every thread waiting with this Wakeup to look at its condition.
  void Notify();

 private:
  friend class SystemClock;
  friend class ManualClock;
  std::mutex mu_;
  std::condition_variable cv_;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() const = 0;
  Micros NowSeconds() const { return Now() / 1'000'000; }

  // Blocks until `done()` is true or Now() >= deadline, whichever is first,
  // and returns done(). `done` is evaluated with `wakeup`'s mutex held, at
  // the start, after each Notify() and when the time may have come (a
  // ManualClock also calls it from AwaitWaiters' thread): it must be quick,
  // thread-safe, and must not take a lock a notifier holds while notifying.
  virtual bool WaitUntil(Micros deadline, Wakeup& wakeup, FunctionRef<bool()> done) const = 0;
  bool WaitFor(Micros duration, Wakeup& wakeup, FunctionRef<bool()> done) const {
    return WaitUntil(Now() + duration, wakeup, done);
  }
};

// The wall clock. Waits are measured by the monotonic clock in slices and
// the deadline compared with Now() after each, so a step of the wall clock
// neither cuts a wait short nor stretches it by more than a slice.
class SystemClock final : public Clock {
 public:
  Micros Now() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  bool WaitUntil(Micros deadline, Wakeup& wakeup, FunctionRef<bool()> done) const override;
};

// A clock tests move by hand. Waiters block until Advance/Set reaches their
// deadline (or they are notified); no real time passes in a test.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start = 1'700'000'000'000'000) : now_(start) {}
  Micros Now() const override { return now_.load(std::memory_order_acquire); }
  // Moves the clock and wakes the waiters whose deadline it reaches.
  void Advance(Micros d);
  void Set(Micros t);

  bool WaitUntil(Micros deadline, Wakeup& wakeup, FunctionRef<bool()> done) const override;

  // For tests: blocks until at least `n` threads wait on this clock for a
  // deadline still ahead of Now(), their condition false — so a background
  // thread has done its work and gone to sleep. False after `timeout` of real time (a test bug
  // or a hang, never the expected path).
  bool AwaitWaiters(std::size_t n,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  struct Waiter {
    Wakeup* wakeup;
    Micros deadline;
    FunctionRef<bool()> done;
    const void* id;  // unique while the wait lasts
  };
  void WakeWaiters();
  // Waiters neither due nor done; mu_ held.
  std::size_t BlockedLocked() const;

  std::atomic<Micros> now_;
  mutable std::mutex mu_;  // guards waiters_; taken before any Wakeup's mutex
  mutable std::condition_variable waiters_changed_;
  mutable std::vector<Waiter> waiters_;
};

}  // namespace workspaced
