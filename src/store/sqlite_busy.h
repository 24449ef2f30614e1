// How a SQLite connection waits for a database another connection (or
// process) has locked: as sqlite3_busy_timeout, up to `timeout_ms`, except
// that every wait of the process gives up once EndBusyWaitsAt's instant has
// passed. A stopping server sets it to the end of its shutdown grace, so a
// handler or saga step waiting on a lock held elsewhere fails (SQLITE_BUSY:
// 503, or a step retried by the next process) instead of holding the exit
// back by a full timeout per waiter (docs/configuration.md).
#pragma once

#include <chrono>

struct sqlite3;

namespace workspaced::store {

void SetBusyTimeout(sqlite3* db, int timeout_ms);

// From `end` on, busy waits give up; time_point::max() (the default) undoes
// it (tests).
void EndBusyWaitsAt(std::chrono::steady_clock::time_point end);

}  // namespace workspaced::store
