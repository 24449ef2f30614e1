// One libpq connection: statements prepared once per connection (named
// s1, s2, … and cached by the address of their SQL text, as SQLite's are),
// parameters and results as text, errors mapped in one place.
//
// Thread-safety: none; a connection belongs to one transaction at a time.
#pragma once

#include <libpq-fe.h>  // types only: the functions come from store/libpq.h

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/libpq.h"
#include "store/sql.h"

namespace workspaced::store {

class PgConnection;

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgConnection& conn, std::string name, std::string sql)
      : conn_(conn), name_(std::move(name)), sql_(std::move(sql)) {}
  ~PgStmt() override { Release(); }

  void BindText(int index, std::string_view text) override;
  void BindInt(int index, std::int64_t value) override;
  StatusOr<bool> Step(const ConstraintErrors& on) override;
  int Changes() const override;
  std::string_view Text(int column) const override;
  std::int64_t Int(int column) const override;
  bool IsNull(int column) const override;
  void Release() override;
  const char* sql() const override { return sql_.c_str(); }
  bool busy() const { return executed_; }

 private:
  PgConnection& conn_;
  const std::string name_;  // empty: unnamed, sent with its text
  const std::string sql_;
  std::vector<std::string> params_;
  PGresult* result_ = nullptr;
  bool executed_ = false;
  int row_ = -1;
};

class PgConnection final : public SqlConnection {
 public:
  // kUnavailable with libpq's message when the server cannot be reached.
  // `prepared`: statements are prepared once, named (s1, s2, …); else each
  // is sent with its text every time (behind a transaction-mode pooler).
  static StatusOr<std::unique_ptr<PgConnection>> Open(const std::string& conninfo,
                                                      bool prepared = true);
  ~PgConnection() override;

  Dialect dialect() const override { return Dialect::kPostgres; }
  StatusOr<Stmt> Prepare(Sql sql) override;
  // A parameterless command or script (BEGIN, COMMIT, migrations).
  Status Exec(const char* sql);
  // A parameterless script of several commands in one round trip: how many
  // rows its first command returned. The first failure stops the script
  // (PostgreSQL runs none of the commands after it) and is returned.
  StatusOr<int> ExecScript(const char* sql);
  // Whether the connection is still usable (else reopen it).
  bool healthy() const;
  // Whether the last error was a serialization failure or deadlock, which a
  // transaction may retry; reading it clears it.
  bool TakeRetryable();

  // Maps a failed result (or, with none, the connection's error).
  Status Error(const PGresult* result, const ConstraintErrors& on = {});
  PGconn* raw() { return conn_; }

 private:
  PgConnection(PGconn* conn, bool prepared) : conn_(conn), prepared_(prepared) {}
  PGconn* conn_;
  const bool prepared_;
  std::unordered_map<const char*, std::unique_ptr<PgStmt>> cache_;
  int next_statement_ = 0;
  bool retryable_ = false;
};

}  // namespace workspaced::store
