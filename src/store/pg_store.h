// The PostgreSQL backend (libpq): the same Store, Tx and migrations as
// SQLite's, for any number of server processes on one database.
//
// Transactions: writes are SERIALIZABLE (WriteRowLocked: REPEATABLE READ) and
// re-run (the Store contract allows it) after a serialization failure or
// deadlock, up to `write_attempts` times with a jittered pause growing from
// 1 ms to 200 ms; reads are REPEATABLE READ, READ ONLY. Connections come from
// a pool, opened on demand up to `pool_size`, and a broken one is replaced.
// Nothing holds a session-level lock or setting across transactions, so a
// pooler in transaction mode is fine, given `prepared_statements = false`
// when it does not carry named statements between server connections;
// migrations serialize on a transaction-level advisory lock.
//
// DataVersion covers every write by any process: a write transaction sends a
// notification with its COMMIT, which one connection per process LISTENs to
// (pg_change_feed.h says how fresh that is and what happens when it fails).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/store.h"

namespace workspaced::store {

struct PostgresOptions {
  std::string conninfo;  // libpq connection string or postgres:// URI
  int pool_size = 8;
  int write_attempts = 40;  // serialization failures retried before kUnavailable
  // Named statements prepared once per connection; false: every statement
  // sent with its text (unnamed, parsed each time), for transaction-mode
  // poolers that hand each transaction another server connection.
  bool prepared_statements = true;
  // The connection that LISTENs for other processes' commits; empty: the
  // same as `conninfo`. It must not go through a transaction-mode pooler.
  std::string listen_conninfo;
  // How often that connection looks for commits it was not told of.
  int poll_interval_ms = 1000;
};

// Connects once to check the server (kUnavailable when it cannot).
StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);

}  // namespace workspaced::store
