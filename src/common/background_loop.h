// A background thread that runs one function — a tick — again and again:
// each tick says when the next should run, and the loop waits until then
// through a Clock (so tests drive it with a ManualClock), or until Wake() or
// Stop(). The shape shared by the SpiceDB relay, the outbox pruner and the
// saga's workers and heartbeat.
//
//   BackgroundLoop loop(clock, [&] { DoWork(); return clock.Now() + poll; });
//   loop.Start();   // the first tick at once (or Start(delay))
//   loop.Wake();    // new work: the next tick at once
//   loop.Stop();    // after the current tick; joins
//
// A tick is never interrupted: Stop() waits for the running one to return.
// A tick that itself waits long should watch stop_requested().
//
// Thread-safety: Start, Stop, Wake and stop_requested from any thread, except
// that Stop must not be called from the tick (it would join itself). The
// clock and the tick must outlive the loop (or its Stop).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "common/clock.h"

namespace workspaced {

class BackgroundLoop {
 public:
  // Does the work of one pass; returns the time (on the loop's clock) of the
  // next pass. A time not after Now() means at once.
  using Tick = std::function<Micros()>;

  BackgroundLoop(const Clock& clock, Tick tick);
  ~BackgroundLoop();  // Stop()
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // Starts the thread; its first tick `first_delay` after now. No-op while
  // running; after Stop it starts again.
  void Start(Micros first_delay = 0);
  // Asks the loop to stop after its current tick and joins its thread.
  // Idempotent; a no-op before Start.
  void Stop();
  // The next tick runs at once (after the current one, if one is running).
  void Wake();
  // True from Stop() until the next Start().
  bool stop_requested() const { return stop_.load(std::memory_order_acquire); }
  // True while a tick runs (a hint: it may change at once).
  bool ticking() const { return ticking_.load(std::memory_order_acquire); }

 private:
  void Run(Micros first_at);

  const Clock& clock_;
  const Tick tick_;
  Wakeup wakeup_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> woken_{false};
  std::atomic<bool> ticking_{false};
  std::mutex thread_mu_;  // guards thread_ (Start and Stop from any thread)
  std::thread thread_;
};

}  // namespace workspaced
