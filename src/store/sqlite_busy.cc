#include "store/sqlite_busy.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>

namespace workspaced::store {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<Clock::rep> busy_waits_end{Clock::time_point::max().time_since_epoch().count()};

// How long in all a wait on this process's own writers may go on past the end.
constexpr int kOwnWritersMs = 100;

int WaitOnce(void* arg, int count) {
  const auto packed = reinterpret_cast<std::intptr_t>(arg);
  const std::optional<std::chrono::milliseconds> sleep = BusySleep(
      count, static_cast<int>(packed >> 1),
      (packed & 1) != 0 ? LockHolders::kThisProcessToo : LockHolders::kOtherProcesses, Clock::now(),
      Clock::time_point{Clock::duration{busy_waits_end.load(std::memory_order_relaxed)}});
  if (!sleep) return 0;
  std::this_thread::sleep_for(*sleep);
  return 1;
}

}  // namespace

// SQLite's own schedule (sqliteDefaultBusyCallback): short sleeps first, then
// 100 ms each, until `timeout_ms` in all.
std::optional<std::chrono::milliseconds> BusySleep(int count, int timeout_ms, LockHolders holders,
                                                   Clock::time_point now, Clock::time_point end) {
  static constexpr int kDelays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
  static constexpr int kTotals[] = {0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228};
  static constexpr int kN = sizeof(kDelays) / sizeof(kDelays[0]);
  const int delay_at = count < kN ? kDelays[count] : kDelays[kN - 1];
  const int prior = count < kN ? kTotals[count] : kTotals[kN - 1] + delay_at * (count - (kN - 1));
  int delay = delay_at;
  if (prior + delay > timeout_ms) {
    delay = timeout_ms - prior;
    if (delay <= 0) return std::nullopt;
  }
  if (now >= end) {
    // Past the end: a wait on this process's own writers goes on a little
    // (they finish), any other ends.
    if (holders == LockHolders::kThisProcessToo && prior + delay <= kOwnWritersMs)
      return std::chrono::milliseconds(delay);
    return std::nullopt;
  }
  // Before the end, a sleep ends at it.
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
  return std::min(std::chrono::milliseconds(delay), std::max(left, std::chrono::milliseconds(1)));
}

void SetBusyTimeout(sqlite3* db, int timeout_ms, LockHolders holders) {
  if (timeout_ms <= 0) {
    sqlite3_busy_handler(db, nullptr, nullptr);  // fail at once, as sqlite3_busy_timeout(db, 0)
    return;
  }
  const std::intptr_t packed = (static_cast<std::intptr_t>(timeout_ms) << 1) |
                               (holders == LockHolders::kThisProcessToo ? 1 : 0);
  sqlite3_busy_handler(db, WaitOnce, reinterpret_cast<void*>(packed));
}

void EndBusyWaitsAt(Clock::time_point end) {
  busy_waits_end.store(end.time_since_epoch().count(), std::memory_order_relaxed);
}

}  // namespace workspaced::store
