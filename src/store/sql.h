// The statement layer every backend implements, so that one Tx implementation
// (sql_tx.h) serves SQLite and PostgreSQL alike.
//
// SQL is written once, with ?1, ?2, … placeholders (a backend rewrites them
// to its own); the few statements the dialects disagree on come in two
// spellings (SqlTx::Prepare(sqlite, postgres)).
//
// Thread-safety: none; a connection and its statements belong to the thread
// running the transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

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

// What a constraint violation means to a client. The defaults (code kInternal,
// no message) say "this statement cannot violate it": a violation is then a
// bug and is reported with the database's own message, for the logs.
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

// A backend's prepared statement. Text bound with BindText must stay alive
// until Release.
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual void BindText(int index, std::string_view text) = 0;
  virtual void BindInt(int index, std::int64_t value) = 0;
  // true: a row is ready to read; false: no more rows.
  virtual StatusOr<bool> Step(const ConstraintErrors& on) = 0;
  // Rows changed by the statement (INSERT/UPDATE/DELETE), once stepped.
  virtual int Changes() const = 0;
  // SQLite only: the rowid the last INSERT on this connection made (cheaper
  // than RETURNING, which buffers its rows in a temporary b-tree).
  virtual std::int64_t LastInsertRowid() const { return -1; }
  // Runs a statement whose rows nobody reads: at once here; a backend that
  // pipelines (PostgreSQL's write transactions) may send it now and check
  // its outcome with a later statement or the commit. A violation maps as
  // `on` says; `expect_changes` >= 0: any other count of changed rows is an
  // internal error (`what` says what was missing).
  virtual Status Defer(const ConstraintErrors& on, int expect_changes, const char* what) {
    while (true) {
      WS_ASSIGN_OR_RETURN(const bool row, Step(on));
      if (!row) break;
    }
    if (expect_changes >= 0 && Changes() != expect_changes)
      return Internal(std::string("store: ") + what);
    return Status::Ok();
  }
  // Like Defer, for a statement whose rows are read after the commit: the
  // first `columns` columns of each row, as text, are appended to *rows by
  // the time the transaction has committed (here: at once). `rows` must
  // outlive the transaction.
  virtual Status DeferRows(std::vector<std::vector<std::string>>* rows, int columns) {
    while (true) {
      WS_ASSIGN_OR_RETURN(const bool row, Step({}));
      if (!row) return Status::Ok();
      std::vector<std::string>& out = rows->emplace_back();
      for (int c = 0; c < columns; ++c) out.emplace_back(Text(c));
    }
  }
  virtual std::string_view Text(int column) const = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
  // Done with this use: reset for the next one (bindings cleared).
  virtual void Release() = 0;
  // The SQL, for error messages.
  virtual const char* sql() const = 0;
};

// A borrowed, cached statement: released (reset, bindings cleared) when
// destroyed, so the next user finds it clean.
class Stmt {
 public:
  explicit Stmt(StmtImpl* impl) : impl_(impl) {}
  Stmt(Stmt&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() {
    if (impl_ != nullptr) impl_->Release();
  }

  // Binds ?1, ?2, … in order. Text is not copied: it must outlive this Stmt.
  template <typename... Args>
  Stmt& Bind(const Args&... args) {
    int index = 0;
    (BindOne(++index, args), ...);
    return *this;
  }

  StatusOr<bool> Step(const ConstraintErrors& on = {}) { return impl_->Step(on); }
  // Steps a statement that returns no rows to completion.
  Status Run(const ConstraintErrors& on = {}) {
    WS_ASSIGN_OR_RETURN(const bool row, impl_->Step(on));
    if (row) return Internal(std::string("store: statement returned a row: ") + impl_->sql());
    return Status::Ok();
  }
  // See StmtImpl::Defer. The statement's bindings are taken at once: it may
  // be used again right after.
  Status Defer(const ConstraintErrors& on = {}, int expect_changes = -1,
               const char* what = "a statement changed an unexpected number of rows") {
    return impl_->Defer(on, expect_changes, what);
  }
  Status DeferRows(std::vector<std::vector<std::string>>* rows, int columns) {
    return impl_->DeferRows(rows, columns);
  }
  int Changes() const { return impl_->Changes(); }
  std::int64_t LastInsertRowid() const { return impl_->LastInsertRowid(); }
  std::string_view Text(int column) const { return impl_->Text(column); }
  std::string String(int column) const { return std::string(Text(column)); }
  std::int64_t Int(int column) const { return impl_->Int(column); }
  bool IsNull(int column) const { return impl_->IsNull(column); }

 private:
  void BindOne(int index, std::string_view text) { impl_->BindText(index, text); }
  void BindOne(int index, const std::string& text) { BindOne(index, std::string_view(text)); }
  void BindOne(int index, const char* text) { BindOne(index, std::string_view(text)); }
  void BindOne(int index, std::int64_t value) { impl_->BindInt(index, value); }
  void BindOne(int index, int value) { BindOne(index, static_cast<std::int64_t>(value)); }

  StmtImpl* impl_;
};

enum class Dialect { kSqlite, kPostgres };

// A connection with an open transaction, as a Tx sees it.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual Dialect dialect() const = 0;
  // The cached statement for `sql`, prepared on first use. kInternal when the
  // transaction can no longer be used (the database rolled it back).
  virtual StatusOr<Stmt> Prepare(Sql sql) = 0;
};

}  // namespace workspaced::store
