// What the pillars' row files (sqlite_secret_rows.cc, sqlite_vault_rows.cc)
// share on a connection sqlite_dataplane.cc opened: a prepared statement
// bound in order, plain execution, and one BEGIN IMMEDIATE transaction.
// Failures are kUnavailable with Cause::kDataplaneFailed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace workspaced::dataplane::sqlite_pillar {

inline Status Failed(sqlite3* db) {
  return Unavailable(std::string("dataplane: ") + sqlite3_errmsg(db))
      .WithCause(Cause::kDataplaneFailed);
}

struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// A prepared statement whose ?1, ?2, … are bound in order.
class Stmt {
 public:
  static StatusOr<Stmt> Prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) return Failed(db);
    return Stmt(db, raw);
  }
  Stmt& Text(std::string_view v) {
    sqlite3_bind_text(s_.get(), ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Int(std::int64_t v) {
    sqlite3_bind_int64(s_.get(), ++n_, v);
    return *this;
  }
  StatusOr<bool> Step() {
    const int rc = sqlite3_step(s_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Failed(db_);
  }
  Status Run() { return Step().status(); }
  std::string Col(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_.get(), i));
    return p ? std::string(p, sqlite3_column_bytes(s_.get(), i)) : std::string();
  }
  std::int64_t ColInt(int i) const { return sqlite3_column_int64(s_.get(), i); }

 private:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StmtCloser> s_;
  int n_ = 0;
};

inline Status Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Failed(db);
  return Status::Ok();
}

// Runs `fn` in BEGIN IMMEDIATE … COMMIT (one writer at a time), rolled back
// unless it returns OK.
template <typename Fn>
Status InTransaction(sqlite3* db, Fn&& fn) {
  WS_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
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
