// SQLite's statements behind the backend-neutral Stmt (sql.h).
//
// Ownership: a statement belongs to its SqliteConnection's cache; a Stmt only
// borrows it and, when destroyed, resets it and clears its bindings.
// Thread-safety: none; used by the thread holding its connection.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/sql.h"
#include "store/sqlite_errors.h"

namespace workspaced::store {

// One SQLite prepared statement of a connection's cache (sql.h StmtImpl).
class SqliteStmt final : public StmtImpl {
 public:
  explicit SqliteStmt(sqlite3_stmt* stmt) : stmt_(stmt) {}

  // Text is bound without copying (SQLITE_STATIC). A failed bind (a bug) is
  // reported by the next Step.
  void BindText(int index, std::string_view text) override;
  void BindInt(int index, std::int64_t value) override;
  StatusOr<bool> Step(const ConstraintErrors& on) override;
  int Changes() const override;
  std::int64_t LastInsertRowid() const override;
  std::string_view Text(int column) const override;
  std::int64_t Int(int column) const override;
  bool IsNull(int column) const override;
  void Release() override;
  const char* sql() const override { return sqlite3_sql(stmt_); }

  bool busy() const { return sqlite3_stmt_busy(stmt_) != 0; }

 private:
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // first failed bind, reported by Step
};

}  // namespace workspaced::store
