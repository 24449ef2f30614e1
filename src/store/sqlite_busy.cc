#include "store/sqlite_busy.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>

namespace workspaced::store {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<Clock::rep> busy_waits_end{Clock::time_point::max().time_since_epoch().count()};

// SQLite's own schedule (sqliteDefaultBusyCallback): short sleeps first, then
// 100 ms each, until `timeout_ms` in all.
int WaitOnce(void* arg, int count) {
  static constexpr int kDelays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
  static constexpr int kTotals[] = {0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228};
  static constexpr int kN = sizeof(kDelays) / sizeof(kDelays[0]);
  const auto timeout_ms = static_cast<int>(reinterpret_cast<std::intptr_t>(arg));
  const int delay_at = count < kN ? kDelays[count] : kDelays[kN - 1];
  const int prior = count < kN ? kTotals[count] : kTotals[kN - 1] + delay_at * (count - (kN - 1));
  int delay = delay_at;
  if (prior + delay > timeout_ms) {
    delay = timeout_ms - prior;
    if (delay <= 0) return 0;
  }
  const Clock::time_point end{Clock::duration{busy_waits_end.load(std::memory_order_relaxed)}};
  const Clock::time_point now = Clock::now();
  if (now >= end) return 0;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
  std::this_thread::sleep_for(
      std::min(std::chrono::milliseconds(delay), std::max(left, std::chrono::milliseconds(1))));
  return 1;
}

}  // namespace

void SetBusyTimeout(sqlite3* db, int timeout_ms) {
  if (timeout_ms <= 0) {
    sqlite3_busy_handler(db, nullptr, nullptr);  // fail at once, as sqlite3_busy_timeout(db, 0)
    return;
  }
  sqlite3_busy_handler(db, WaitOnce,
                       reinterpret_cast<void*>(static_cast<std::intptr_t>(timeout_ms)));
}

void EndBusyWaitsAt(Clock::time_point end) {
  busy_waits_end.store(end.time_since_epoch().count(), std::memory_order_relaxed);
}

}  // namespace workspaced::store
