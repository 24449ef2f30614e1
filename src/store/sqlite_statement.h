// A borrowed, cached prepared statement and the SQL text type that keys the
// cache.
//
// Ownership: the statement itself belongs to its SqliteConnection's cache;
// a Stmt only borrows it and, when destroyed, resets it and clears its
// bindings so the next user finds it clean.
// Thread-safety: none; a Stmt is used by the thread holding its connection.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/sqlite_errors.h"

namespace workspaced::store {

// SQL text known at compile time. The consteval constructor accepts only
// string literals and constexpr arrays with static storage, which (1) keeps
// caller values out of SQL text — they can only arrive as bound parameters —
// and (2) makes the text's address a stable cache key.
class Sql {
 public:
  template <std::size_t N>
  consteval Sql(const char (&text)[N]) : text_(text) {}  // NOLINT(google-explicit-constructor)
  const char* text() const { return text_; }

 private:
  const char* text_;
};

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
    other.stmt_ = nullptr;
  }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Binds ?1, ?2, … in order. Text is bound without copying (SQLITE_STATIC),
  // so it must stay alive until this Stmt is destroyed. A failed bind (a bug)
  // is reported by the next Step or Run.
  template <typename... Args>
  Stmt& Bind(const Args&... args) {
    int index = 0;
    (BindOne(++index, args), ...);
    return *this;
  }

  // true: a row is ready to read; false: no more rows.
  StatusOr<bool> Step(const ConstraintErrors& on = {});
  // Steps a statement that returns no rows to completion.
  Status Run(const ConstraintErrors& on = {});
  // Rows changed by the last Run of an INSERT/UPDATE/DELETE.
  int Changes() const;

  std::string_view Text(int column) const;
  std::string String(int column) const { return std::string(Text(column)); }
  std::int64_t Int(int column) const;
  bool IsNull(int column) const;

 private:
  void BindOne(int index, std::string_view text);
  void BindOne(int index, const std::string& text) { BindOne(index, std::string_view(text)); }
  void BindOne(int index, const char* text) { BindOne(index, std::string_view(text)); }
  void BindOne(int index, std::int64_t value);
  void BindOne(int index, int value) { BindOne(index, static_cast<std::int64_t>(value)); }

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // first failed bind, reported by Step
};

}  // namespace workspaced::store
