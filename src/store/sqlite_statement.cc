#include "store/sqlite_statement.h"

namespace workspaced::store {

void SqliteStmt::Release() {
  // reset's return value repeats the last step's error, already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

void SqliteStmt::BindText(int index, std::string_view text) {
  // A non-null pointer even for empty text: SQLite binds NULL for nullptr,
  // and our columns are NOT NULL.
  const int rc = sqlite3_bind_text64(stmt_, index, text.empty() ? "" : text.data(), text.size(),
                                     SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void SqliteStmt::BindInt(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

StatusOr<bool> SqliteStmt::Step(const ConstraintErrors& on) {
  sqlite3* db = sqlite3_db_handle(stmt_);
  if (bind_rc_ != SQLITE_OK) return StatusFromSqlite(db, bind_rc_);
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return StatusFromSqlite(db, rc, on);
}

int SqliteStmt::Changes() const { return sqlite3_changes(sqlite3_db_handle(stmt_)); }

std::int64_t SqliteStmt::LastInsertRowid() const {
  return sqlite3_last_insert_rowid(sqlite3_db_handle(stmt_));
}

std::string_view SqliteStmt::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::int64_t SqliteStmt::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

bool SqliteStmt::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

}  // namespace workspaced::store
