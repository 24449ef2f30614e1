// How a SQLite connection waits for a database another connection (or
// process) has locked: as sqlite3_busy_timeout, up to `timeout_ms`, except
// that every wait of the process gives up once EndBusyWaitsAt's instant has
// passed. A stopping server sets it to the end of its shutdown grace, so a
// handler or saga step waiting on a lock held elsewhere fails (SQLITE_BUSY:
// 503, or a step retried by the next process) instead of holding the exit
// back by a full timeout per waiter (docs/configuration.md).
#pragma once

#include <chrono>
#include <optional>

struct sqlite3;

namespace workspaced::store {

// Whom a connection's waits are on. The store's writers are one at a time
// in the process (its writer mutex): a lock it meets is another process's,
// and its waits end at once after EndBusyWaitsAt's instant. A dataplane's
// connections also meet each other (each request leases its own): theirs
// go on after that instant until they have waited 100 ms in all — a write
// of this process finishes well within that, a lock held elsewhere not.
enum class LockHolders { kOtherProcesses, kThisProcessToo };

void SetBusyTimeout(sqlite3* db, int timeout_ms,
                    LockHolders holders = LockHolders::kOtherProcesses);

// The sleep before the `count`th retry of a wait (0 first), or nullopt to
// give up (SQLITE_BUSY): SetBusyTimeout's rule, `now` and `end` given.
std::optional<std::chrono::milliseconds> BusySleep(int count, int timeout_ms, LockHolders holders,
                                                   std::chrono::steady_clock::time_point now,
                                                   std::chrono::steady_clock::time_point end);

// From `end` on, busy waits give up; time_point::max() (the default) undoes
// it (tests).
void EndBusyWaitsAt(std::chrono::steady_clock::time_point end);

}  // namespace workspaced::store
