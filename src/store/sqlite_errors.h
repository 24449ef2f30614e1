// Turns SQLite result codes into workspaced Statuses, in one place, so every
// statement reports busy databases, constraint violations and bugs alike.
//
// Thread-safety: plain functions; call with the connection the error came from
// while still holding it (sqlite3_errmsg is per connection).
#pragma once

#include <sqlite3.h>

#include "common/status.h"
#include "store/sql.h"

namespace workspaced::store {

// `rc` is a (possibly extended) result code other than SQLITE_OK/ROW/DONE.
// Busy or locked → kUnavailable (cause kDatabaseBusy); a full disk
// (SQLITE_FULL, or an I/O error with errno ENOSPC) → kUnavailable (cause
// kStorageFull: nothing was written, retry once there is space); constraints
// → per `on`; anything else → kInternal carrying sqlite3_errmsg(db).
Status StatusFromSqlite(sqlite3* db, int rc, const ConstraintErrors& on = {});
// Whether `rc` (with `db`'s errno) means the disk is full.
bool IsStorageFull(sqlite3* db, int rc);

}  // namespace workspaced::store
