// Turns SQLite result codes into workspaced Statuses, in one place, so every
// statement reports busy databases, constraint violations and bugs alike.
//
// Thread-safety: plain functions; call with the connection the error came from
// while still holding it (sqlite3_errmsg is per connection).
#pragma once

#include <sqlite3.h>

#include "common/status.h"

namespace workspaced::store {

// What a constraint violation means to a client. The defaults (code kInternal,
// no message) say "this statement cannot violate it": a violation is then a
// bug and is reported with SQLite's own message, for the logs.
struct OnViolation {
  Code code = Code::kInternal;
  const char* message = nullptr;  // client-safe; static storage
};

// Per statement: how each kind of constraint failure reads to a client, e.g.
//   ConstraintErrors().OnPrimaryKey(Code::kConflict, "account already exists")
struct ConstraintErrors {
  OnViolation primary_key;  // duplicate id
  OnViolation unique;       // duplicate natural key, e.g. slug within account
  OnViolation foreign_key;  // missing parent row

  ConstraintErrors& OnPrimaryKey(Code code, const char* message) {
    primary_key = {code, message};
    return *this;
  }
  ConstraintErrors& OnUnique(Code code, const char* message) {
    unique = {code, message};
    return *this;
  }
  ConstraintErrors& OnForeignKey(Code code, const char* message) {
    foreign_key = {code, message};
    return *this;
  }
};

// `rc` is a (possibly extended) result code other than SQLITE_OK/ROW/DONE.
// Busy or locked → kUnavailable; constraints → per `on`; anything else →
// kInternal carrying sqlite3_errmsg(db).
Status StatusFromSqlite(sqlite3* db, int rc, const ConstraintErrors& on = {});

}  // namespace workspaced::store
