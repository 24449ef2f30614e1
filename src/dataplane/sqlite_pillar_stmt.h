// What the pillars' row files (sqlite_secret_rows.cc, sqlite_vault_rows.cc)
// share on a connection of the dataplane's ConnectionCache: the
// connection's cached prepared statement bound in order, plain execution,
// and one BEGIN IMMEDIATE transaction. Failures are kUnavailable with
// Cause::kDataplaneFailed.
#pragma once

#include <sqlite3.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "dataplane/sqlite_connection_cache.h"

namespace workspaced::dataplane::sqlite_pillar {

// A full disk (SQLITE_FULL, or an I/O error of ENOSPC) is the service's
// storage full, waited for like the control plane's own (Retry-After 30),
// not a failed dataplane.
inline Status Failed(sqlite3* db) {
  const int rc = sqlite3_errcode(db);
  const bool full = rc == SQLITE_FULL || (rc == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC);
  return Unavailable(std::string("dataplane: ") + sqlite3_errmsg(db))
      .WithCause(full ? Cause::kStorageFull : Cause::kDataplaneFailed);
}

// A statement of the connection's cache (`sql` is a string literal: the
// cache keys it by address) whose ?1, ?2, … are bound in order; reset (and
// unbound) when it goes out of scope, ready for the next use.
class Stmt {
 public:
  static StatusOr<Stmt> Prepare(Connection& conn, const char* sql) {
    WS_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn.Statement(sql));
    return Stmt(conn.db(), s);
  }
  Stmt(Stmt&& other) noexcept
      : db_(other.db_), s_(std::exchange(other.s_, nullptr)), n_(other.n_) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (s_ == nullptr) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt& Text(std::string_view v) {
    sqlite3_bind_text(s_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Int(std::int64_t v) {
    sqlite3_bind_int64(s_, ++n_, v);
    return *this;
  }
  StatusOr<bool> Step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Failed(db_);
  }
  Status Run() { return Step().status(); }
  std::string Col(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, sqlite3_column_bytes(s_, i)) : std::string();
  }
  std::int64_t ColInt(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  sqlite3* db_;
  sqlite3_stmt* s_;
  int n_ = 0;
};

// One statement through the connection's cache.
inline Status Exec(Connection& conn, const char* sql) {
  WS_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(conn, sql));
  return stmt.Run();
}

// A DELETE through `conn`; when it removed rows, the connection owes its
// file a scrub (ScrubIfDeleted, once its transaction has committed).
inline Status RunDelete(Connection& conn, Stmt& stmt) {
  WS_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(conn.db()) > 0) conn.scrub = true;
  return Status::Ok();
}

// After a committed transaction that deleted rows (a secret's versions, a
// vault record, a refused write's sealed value): the pages it wrote hold
// zeros where the rows were (secure_delete), but the write-ahead log's
// older frames still hold them, sealed under a live data key (outside
// audit: a deleted secret was carved from its workspace's -wal), until the
// log is checkpointed and truncated. Best effort: the deletion stands,
// and a reader that keeps the log in use leaves it for the next one.
inline void ScrubIfDeleted(Connection& conn) {
  if (!conn.scrub) return;
  if (sqlite3_wal_checkpoint_v2(conn.db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) ==
      SQLITE_OK)
    conn.scrub = false;
}

// Any SQL, several statements included, on a bare handle (a table's
// creation while a connection is set up).
inline Status Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Failed(db);
  return Status::Ok();
}

// Runs `fn` in BEGIN IMMEDIATE … COMMIT (one writer at a time), rolled back
// unless it returns OK. With `begin` "BEGIN": reads of one snapshot (and
// one read lock, not one a statement).
template <typename Fn>
Status InTransaction(Connection& db, Fn&& fn, const char* begin = "BEGIN IMMEDIATE") {
  WS_RETURN_IF_ERROR(Exec(db, begin));
  const Status s = fn();
  if (!s.ok()) {
    (void)Exec(db, "ROLLBACK");
    return s;
  }
  const Status c = Exec(db, "COMMIT");
  if (!c.ok()) (void)Exec(db, "ROLLBACK");
  return c;
}

}  // namespace workspaced::dataplane::sqlite_pillar
