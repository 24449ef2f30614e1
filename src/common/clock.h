// Time is injected so that expiry, leases and backoff are testable without
// sleeping. Timestamps are microseconds since the Unix epoch (UTC).
//
// Thread-safety: implementations must be safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace workspaced {

using Micros = std::int64_t;  // microseconds since the Unix epoch, UTC

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros Now() const = 0;
  Micros NowSeconds() const { return Now() / 1'000'000; }
};

class SystemClock final : public Clock {
 public:
  Micros Now() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start = 1'700'000'000'000'000) : now_(start) {}
  Micros Now() const override { return now_.load(std::memory_order_relaxed); }
  void Advance(Micros d) { now_.fetch_add(d, std::memory_order_relaxed); }
  void Set(Micros t) { now_.store(t, std::memory_order_relaxed); }

 private:
  std::atomic<Micros> now_;
};

}  // namespace workspaced
