// PRAGMA integrity_check of an SQLite database file, for the check at start
// (before anything opens the file to write) and the deep readiness check.
//
// Cost: integrity_check reads every page and looks every row up in each of
// its table's indexes, so it is linear in the file's size (docs/integrity.md
// has figures). It runs on a read-only connection of its own and creates no
// file: writers go on (WAL), but the WAL cannot be checkpointed past the
// snapshot it holds until it ends. It is interrupted once `budget` has
// passed (0: never).
//
// Thread-safety: a plain function; any thread.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace workspaced::store {

// The check of the file at `path`. A file that does not exist, or is empty,
// is kOk (there is nothing to check yet). kDamaged when SQLite reports a
// problem (the first few are in `problem`) or cannot read the file as a
// database; kIncomplete when `budget` (microseconds) ran out first.
// kInternal only when the file cannot be opened at all.
StatusOr<IntegrityReport> CheckSqliteFile(const std::string& path, Micros budget);

}  // namespace workspaced::store
