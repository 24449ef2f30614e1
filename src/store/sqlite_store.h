// The embedded SQLite backend of Store: one database file, WAL journal, one
// writer connection and a pool of reader connections.
//
// Concurrency: Writes are serialized on the writer connection (BEGIN
// IMMEDIATE); Reads run concurrently with each other and with the writer,
// each on its own pooled connection, and see the last committed state. A
// callback must not call back into the same Store (a nested Write deadlocks;
// nested Reads can exhaust the pool).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace workspaced::store {

struct SqliteOptions {
  std::string path;  // the database file; created if missing. Not ":memory:".
  int readers = 4;   // reader connections, >= 1
  // How long a statement waits for a lock held elsewhere (e.g. another
  // process) before failing with kUnavailable.
  int busy_timeout_ms = 5000;
  // Reads the existing file as it is (audit verify): nothing is created,
  // every Write fails, and Migrate must not be called. Where nothing can be
  // writing — no -wal file beside it and a directory this process cannot
  // write to, such as a copy on read-only media — the file is opened
  // immutable, so SQLite needs no -shm file there.
  bool read_only = false;
};

// Opens (creating if missing, unless read_only) the database. Does not
// migrate: call Migrate().
// kInvalidArgument for bad options; kInternal when the file cannot be opened
// or WAL mode cannot be enabled; kUnavailable when it stays locked.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace workspaced::store
