// One libpq connection: statements prepared once per connection (named
// s1, s2, … and cached by the address of their SQL text, as SQLite's are),
// parameters and results as text, errors mapped in one place.
//
// Write transactions are pipelined (libpq's pipeline mode): BEGIN, and every
// statement run by Stmt::Defer, is sent without waiting for its answer; the
// answers are read, in order, when a statement whose rows are needed runs
// (a flush request, one round trip for all of them) or at COMMIT (a sync).
// A transaction then costs one round trip per statement whose result it
// reads, plus one, instead of one per statement. The first failure in the
// pipeline is the transaction's: PostgreSQL skips everything after it.
//
// Thread-safety: none; a connection belongs to one transaction at a time.
#pragma once

#include <libpq-fe.h>  // types only: the functions come from store/libpq.h

#include <memory>
#include <string_view>
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
  Status Defer(const ConstraintErrors& on, int expect_changes, const char* what) override;
  Status DeferRows(std::vector<std::vector<std::string>>* rows, int columns) override;
  int Changes() const override;
  std::string_view Text(int column) const override;
  std::int64_t Int(int column) const override;
  bool IsNull(int column) const override;
  void Release() override;
  const char* sql() const override { return sql_.c_str(); }
  bool busy() const { return executed_; }

 private:
  // The bindings as libpq takes them (pointers into params_).
  std::vector<const char*> Values() const;
  // Sends the statement with its bindings (false: libpq refused it).
  bool Send();

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
  // Whether the connection is still usable (else reopen it).
  bool healthy() const;
  // Whether the last error was a serialization failure or deadlock, which a
  // transaction may retry; reading it clears it.
  bool TakeRetryable();

  // Maps a failed result (or, with none, the connection's error).
  Status Error(const PGresult* result, const ConstraintErrors& on = {});
  PGconn* raw() { return conn_; }

  // A pipelined transaction: BeginPipeline sends `begin` and returns;
  // CommitPipeline sends `probe` (a statement returning a row when the
  // transaction wrote; may be null), COMMIT and a sync, and reads every
  // answer still due (*wrote: whether `probe` returned a row);
  // AbortPipeline, after any failure or a body that gave up, reads what is
  // due and rolls back, leaving the connection ready for the next
  // transaction (or unhealthy).
  Status BeginPipeline(const char* begin);
  Status CommitPipeline(const char* probe, bool* wrote);
  void AbortPipeline();
  bool pipelined() const { return pipelined_; }
  // The pipeline's first failure read so far (after it, nothing runs).
  const Status& pipeline_failure() const { return failed_; }
  // For PgStmt: a statement was sent whose answer is read later.
  void Expect(const char* sql, const ConstraintErrors& on, int expect_changes, const char* what);
  void ExpectRows(const char* sql, std::vector<std::vector<std::string>>* sink, int columns);
  // Reads the answers due, in order; the first failure is kept and returned
  // again (nothing after it ran). `last`: also the answer to the statement
  // sent just now, returned to the caller, which owns it.
  Status ReadDue();
  StatusOr<PGresult*> ReadDueAndLast();

 private:
  PgConnection(PGconn* conn, bool prepared) : conn_(conn), prepared_(prepared) {}
  struct Due {
    const char* sql;  // for messages; static storage (the statement cache's key)
    ConstraintErrors on;
    int expect_changes;
    const char* what;
    bool prepare = false;  // the statement's PREPARE, `sql` its cache key
    int* rows = nullptr;   // where to put how many rows it returned
    std::vector<std::vector<std::string>>* sink = nullptr;  // where its rows go
    int columns = 0;                                         // how many of each
  };
  // One query's answer in pipeline mode: its result, then the NULL that ends
  // it. Null when the connection broke.
  PGresult* NextResult();
  Status CheckDue(const Due& due, PGresult* r);
  PGconn* conn_;
  const bool prepared_;
  bool pipelined_ = false;
  std::vector<Due> due_;  // sent, answer not read yet, in order
  // Statements whose pipelined PREPARE has not been answered yet: forgotten
  // if the pipeline fails (PostgreSQL skipped it), so they are prepared again.
  std::vector<const char*> unconfirmed_;
  bool broken_ = false;   // a pipeline could not be wound up
  bool synced_ = false;   // the pipeline's sync is sent (its answer not read)
  Status failed_;  // the pipeline's first failure
  std::unordered_map<const char*, std::unique_ptr<PgStmt>> cache_;
  int next_statement_ = 0;
  bool retryable_ = false;
};

}  // namespace workspaced::store
