#include "store/sqlite_errors.h"

#include <cerrno>
#include <string>

namespace workspaced::store {
namespace {

Status Violation(sqlite3* db, const OnViolation& on) {
  if (on.message == nullptr) return Internal(std::string("sqlite: ") + sqlite3_errmsg(db));
  return {on.code, on.message};
}

}  // namespace

bool IsStorageFull(sqlite3* db, int rc) {
  // SQLite says SQLITE_FULL when a write meets ENOSPC; growing the WAL index
  // (-shm) on a full disk is an I/O error whose errno tells the same.
  return (rc & 0xff) == SQLITE_FULL ||
         ((rc & 0xff) == SQLITE_IOERR && db != nullptr && sqlite3_system_errno(db) == ENOSPC);
}

Status StatusFromSqlite(sqlite3* db, int rc, const ConstraintErrors& on) {
  if (IsStorageFull(db, rc)) {
    return Unavailable(std::string("sqlite: ") + sqlite3_errmsg(db) + " (" + sqlite3_errstr(rc) +
                       ")")
        .WithCause(Cause::kStorageFull);
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      // The busy timeout has already been waited out: the caller may retry.
      return Unavailable("database is busy; retry later").WithCause(Cause::kDatabaseBusy);
    case SQLITE_CONSTRAINT:
      switch (rc) {
        case SQLITE_CONSTRAINT_PRIMARYKEY:
          return Violation(db, on.primary_key);
        case SQLITE_CONSTRAINT_UNIQUE:
          return Violation(db, on.unique);
        case SQLITE_CONSTRAINT_FOREIGNKEY:
          return Violation(db, on.foreign_key);
        default:
          break;  // NOT NULL, CHECK, …: the code wrote a bad row — a bug.
      }
      break;
    default:
      break;
  }
  std::string message = "sqlite: ";
  message += sqlite3_errmsg(db);
  message += " (";
  message += sqlite3_errstr(rc);
  message += ")";
  return Internal(std::move(message));
}

}  // namespace workspaced::store
