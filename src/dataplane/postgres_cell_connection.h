// One libpq connection to a PostgreSQL dataplane cell, and the few ways the
// cell's code runs SQL on it. Not thread-safe: its owner
// (postgres_dataplane.cc) serialises every call with its own mutex. Every
// failure is kUnavailable with a dataplane Cause (unreachable, failed,
// storage full), so the domain layer answers 503 and retries.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/function_ref.h"
#include "common/status.h"

namespace workspaced::dataplane {

class CellConnection {
 public:
  explicit CellConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~CellConnection();
  CellConnection(const CellConnection&) = delete;
  CellConnection& operator=(const CellConnection&) = delete;

  // Connects, or reconnects a connection that broke.
  Status Connect();
  // One statement; `param` is $1 when the statement names $1. The caller
  // PQclears the result.
  StatusOr<PGresult*> Run(const std::string& sql, const std::string& param);
  // One statement with its parameters ($1…). The caller PQclears the result.
  StatusOr<PGresult*> RunParams(const std::string& sql, const std::vector<std::string>& params);
  // RunParams for a statement whose result is not read.
  Status ExecParams(const std::string& sql, const std::vector<std::string>& params);
  // BEGIN, `fn`, COMMIT; ROLLBACK when `fn` fails.
  Status Transaction(FunctionRef<Status()> fn);
  // Connects, then runs `statements` (each given `param` as for Run) in one
  // transaction.
  Status InTransaction(const std::vector<std::string>& statements, const std::string& param);
  // Connects; whether `sql` (given `param` as for Run) returns a row.
  StatusOr<bool> Query(const std::string& sql, const std::string& param);

 private:
  const std::string conninfo_;
  PGconn* conn_ = nullptr;
};

// Reading a result: the text of row `row`, column `col`, and the same as an
// integer or a boolean ('t').
std::string Text(const PGresult* r, int row, int col);
std::int64_t Int64(const PGresult* r, int row, int col);
bool Bool(const PGresult* r, int row, int col);
// The number of rows of `r`.
int Rows(const PGresult* r);
// Frees `r`.
void Clear(PGresult* r);

}  // namespace workspaced::dataplane
