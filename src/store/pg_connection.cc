#include "store/pg_connection.h"

#include <cstdlib>
#include <cstring>

namespace workspaced::store {
namespace {

// ?1, ?2, … → $1, $2, … (our SQL has no '?' elsewhere).
std::string ToPostgres(const char* sql) {
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == '?' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '$';
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status Violation(const OnViolation& on, std::string_view detail) {
  if (on.message == nullptr) return Internal("postgres: " + std::string(detail));
  return {on.code, on.message};
}

}  // namespace

StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo,
                                                           bool prepared) {
  WS_RETURN_IF_ERROR(LoadLibpq());
  PGconn* c = Libpq().PQconnectdb(conninfo.c_str());
  if (c == nullptr)
    return Unavailable("postgres: out of memory connecting").WithCause(Cause::kDatabaseUnavailable);
  if (Libpq().PQstatus(c) != CONNECTION_OK) {
    std::string message = Libpq().PQerrorMessage(c);
    Libpq().PQfinish(c);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return Unavailable("postgres: cannot connect: " + message)
        .WithCause(Cause::kDatabaseUnavailable);
  }
  // Quiet NOTICEs (IF NOT EXISTS and the like) instead of stderr.
  Libpq().PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(c, prepared));
}

PgConnection::~PgConnection() {
  cache_.clear();
  Libpq().PQfinish(conn_);
}

bool PgConnection::healthy() const {
  return !broken_ && Libpq().PQstatus(conn_) == CONNECTION_OK;
}

bool PgConnection::TakeRetryable() {
  const bool r = retryable_;
  retryable_ = false;
  return r;
}

Status PgConnection::Error(const PGresult* result, const ConstraintErrors& on) {
  const char* state = result ? Libpq().PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? Libpq().PQresultErrorMessage(result) : Libpq().PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (state == nullptr || !healthy())
    return Unavailable("postgres: " + message).WithCause(Cause::kDatabaseUnavailable);
  const std::string_view code(state);
  // Serialization failures, deadlocks, and SERIALIZABLE running out of
  // predicate-lock memory (53200, "out of shared memory") under a burst of
  // concurrent transactions: the transaction is run again after a pause.
  if (code == "40001" || code == "40P01" || code == "53200") {
    retryable_ = true;
    return Unavailable("postgres: " + message).WithCause(Cause::kDatabaseBusy);
  }
  // A lock not taken within lock_timeout, or a statement past
  // statement_timeout (both set by the operator, docs/postgresql.md): the
  // database is busy, as SQLite's busy timeout says; the client may retry.
  if (code == "55P03" || code == "57014")
    return Unavailable("postgres: " + message).WithCause(Cause::kDatabaseBusy);
  // disk_full: nothing was written; retry once there is space.
  if (code == "53100") return Unavailable("postgres: " + message).WithCause(Cause::kStorageFull);
  if (code == "23505") {
    const char* constraint = Libpq().PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    return Violation(constraint && EndsWith(constraint, "_pkey") ? on.primary_key : on.unique,
                     message);
  }
  if (code == "23503") return Violation(on.foreign_key, message);
  // Connection exceptions, shutdowns, insufficient resources (too many
  // connections, disk full): try again later.
  if (code.substr(0, 2) == "08" || code.substr(0, 3) == "57P" || code.substr(0, 2) == "53")
    return Unavailable("postgres: " + message).WithCause(Cause::kDatabaseUnavailable);
  return Internal("postgres: " + message + " (SQLSTATE " + std::string(code) + ")");
}

StatusOr<Stmt> PgConnection::Prepare(Sql sql) {
  auto it = cache_.find(sql.text());
  if (it == cache_.end()) {
    std::string name = prepared_ ? "s" + std::to_string(++next_statement_) : "";
    std::string text = ToPostgres(sql.text());
    if (prepared_ && pipelined_) {
      // Sent with what follows; a failure fails the transaction.
      if (Libpq().PQsendPrepare(conn_, name.c_str(), text.c_str(), 0, nullptr) == 0)
        return Error(nullptr);
      due_.push_back({sql.text(), {}, -1, "", /*prepare=*/true});
      unconfirmed_.push_back(sql.text());
    } else if (prepared_) {
      PGresult* r = Libpq().PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
      const bool ok = r != nullptr && Libpq().PQresultStatus(r) == PGRES_COMMAND_OK;
      Status error = ok ? Status::Ok() : Error(r);
      Libpq().PQclear(r);
      if (!ok) return error;
    }
    it = cache_.emplace(sql.text(), std::make_unique<PgStmt>(*this, name, std::move(text))).first;
  } else if (it->second->busy()) {
    return Internal(std::string("postgres: statement already in use: ") + sql.text());
  }
  return Stmt(it->second.get());
}

Status PgConnection::Exec(const char* sql) {
  if (pipelined_) return Internal(std::string("postgres: Exec inside a pipeline: ") + sql);
  PGresult* r = Libpq().PQexec(conn_, sql);
  const ExecStatusType st = r ? Libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  Status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? Status::Ok() : Error(r);
  Libpq().PQclear(r);
  return s;
}

// --- pipelined transactions ---

Status PgConnection::BeginPipeline(const char* begin) {
  if (pipelined_) return Internal("postgres: a pipeline is already open");
  if (Libpq().PQenterPipelineMode(conn_) == 0) {
    broken_ = true;  // not idle: in no state to trust; dropped when returned
    return Error(nullptr);
  }
  pipelined_ = true;
  failed_ = Status::Ok();
  due_.clear();
  unconfirmed_.clear();
  synced_ = false;
  if (Libpq().PQsendQueryParams(conn_, begin, 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
    return Error(nullptr);
  Expect(begin, {}, -1, "");
  return Status::Ok();
}

void PgConnection::Expect(const char* sql, const ConstraintErrors& on, int expect_changes,
                          const char* what) {
  due_.push_back({sql, on, expect_changes, what});
}

void PgConnection::ExpectRows(const char* sql, std::vector<std::vector<std::string>>* sink,
                              int columns) {
  Due due{sql, {}, -1, ""};
  due.sink = sink;
  due.columns = columns;
  due_.push_back(due);
}

PGresult* PgConnection::NextResult() {
  PGresult* r = Libpq().PQgetResult(conn_);
  if (r != nullptr) {
    // The NULL that ends this query's answer.
    while (PGresult* extra = Libpq().PQgetResult(conn_)) Libpq().PQclear(extra);
  }
  return r;
}

Status PgConnection::CheckDue(const Due& due, PGresult* r) {
  const ExecStatusType st = r ? Libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_PIPELINE_ABORTED) return Internal("postgres: skipped after a failure");
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(r, due.on);
  if (due.expect_changes >= 0 && std::atoi(Libpq().PQcmdTuples(r)) != due.expect_changes)
    return Internal(std::string("store: ") + due.what + " (" + due.sql + ")");
  if (due.prepare) std::erase(unconfirmed_, due.sql);
  if (due.rows != nullptr) *due.rows = Libpq().PQntuples(r);
  if (due.sink != nullptr) {
    for (int row = 0; row < Libpq().PQntuples(r); ++row) {
      std::vector<std::string>& out = due.sink->emplace_back();
      for (int col = 0; col < due.columns; ++col)
        out.emplace_back(Libpq().PQgetvalue(r, row, col),
                         static_cast<std::size_t>(Libpq().PQgetlength(r, row, col)));
    }
  }
  return Status::Ok();
}

Status PgConnection::ReadDue() {
  for (const Due& due : due_) {
    PGresult* r = NextResult();
    const Status s = CheckDue(due, r);
    if (r != nullptr) Libpq().PQclear(r);
    if (!s.ok() && failed_.ok()) failed_ = s;
    if (r == nullptr) break;  // the connection broke: nothing more will come
  }
  due_.clear();
  return failed_;
}

StatusOr<PGresult*> PgConnection::ReadDueAndLast() {
  // The server holds its answers until asked: one flush request for all.
  if (Libpq().PQsendFlushRequest(conn_) == 0 || Libpq().PQflush(conn_) != 0)
    return Error(nullptr);
  const Status earlier = ReadDue();
  PGresult* last = NextResult();
  if (!earlier.ok()) {
    if (last != nullptr) Libpq().PQclear(last);
    return earlier;
  }
  if (last == nullptr) return Error(nullptr);
  if (Libpq().PQresultStatus(last) == PGRES_PIPELINE_ABORTED) {
    Libpq().PQclear(last);
    return Internal("postgres: skipped after a failure");
  }
  return last;
}

Status PgConnection::CommitPipeline(const char* probe, bool* wrote) {
  if (!pipelined_) return Internal("postgres: no pipeline to commit");
  *wrote = false;
  int probe_rows = 0;
  if (probe != nullptr) {
    if (Libpq().PQsendQueryParams(conn_, probe, 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
      return Error(nullptr);
    due_.push_back({probe, {}, -1, "", false, &probe_rows});
  }
  if (Libpq().PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 0)
    return Error(nullptr);
  due_.push_back({"COMMIT", {}, -1, ""});
  if (Libpq().PQpipelineSync(conn_) == 0) return Error(nullptr);
  synced_ = true;
  WS_RETURN_IF_ERROR(ReadDue());
  // The sync's own answer, then out of pipeline mode.
  PGresult* sync = Libpq().PQgetResult(conn_);
  const bool ok = sync != nullptr && Libpq().PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  Libpq().PQclear(sync);
  synced_ = false;
  if (!ok || Libpq().PQexitPipelineMode(conn_) == 0) {
    broken_ = true;  // committed or not, the connection is in no known state
    return failed_ = Error(nullptr);
  }
  pipelined_ = false;
  *wrote = probe_rows > 0;
  return Status::Ok();
}

void PgConnection::AbortPipeline() {
  if (!pipelined_) return;
  pipelined_ = false;
  for (const char* key : unconfirmed_) cache_.erase(key);
  unconfirmed_.clear();
  if (!healthy()) return;
  // Everything sent and not read, then the sync's answer: PostgreSQL
  // skipped what followed a failure; what succeeded is rolled back below.
  bool ok = synced_ || Libpq().PQpipelineSync(conn_) != 0;
  synced_ = false;
  for (std::size_t i = 0; ok && i < due_.size(); ++i) {
    PGresult* r = NextResult();
    if (r == nullptr) ok = false;
    Libpq().PQclear(r);
  }
  due_.clear();
  if (ok) {
    PGresult* sync = Libpq().PQgetResult(conn_);
    ok = sync != nullptr && Libpq().PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    Libpq().PQclear(sync);
  }
  if (ok) ok = Libpq().PQexitPipelineMode(conn_) != 0;
  if (ok) ok = Exec("ROLLBACK").ok();
  if (!ok) broken_ = true;  // dropped when returned to the pool
}

void PgStmt::BindText(int index, std::string_view text) {
  if (static_cast<int>(params_.size()) < index) params_.resize(index);
  params_[index - 1].assign(text);
}

void PgStmt::BindInt(int index, std::int64_t value) {
  if (static_cast<int>(params_.size()) < index) params_.resize(index);
  params_[index - 1] = std::to_string(value);
}

std::vector<const char*> PgStmt::Values() const {
  std::vector<const char*> values;
  values.reserve(params_.size());
  for (const auto& p : params_) values.push_back(p.c_str());
  return values;
}

bool PgStmt::Send() {
  const std::vector<const char*> values = Values();
  const int n = static_cast<int>(values.size());
  // Unnamed: Parse, Bind and Execute together, on whichever server
  // connection a pooler gives this transaction.
  return (name_.empty() ? Libpq().PQsendQueryParams(conn_.raw(), sql_.c_str(), n, nullptr,
                                                    values.data(), nullptr, nullptr, 0)
                        : Libpq().PQsendQueryPrepared(conn_.raw(), name_.c_str(), n,
                                                      values.data(), nullptr, nullptr, 0)) != 0;
}

StatusOr<bool> PgStmt::Step(const ConstraintErrors& on) {
  if (!executed_) {
    executed_ = true;
    if (conn_.pipelined()) {
      WS_RETURN_IF_ERROR(conn_.pipeline_failure());  // nothing after a failure runs
      if (!Send()) return conn_.Error(nullptr);
      WS_ASSIGN_OR_RETURN(result_, conn_.ReadDueAndLast());
    } else {
      const std::vector<const char*> values = Values();
      const int n = static_cast<int>(values.size());
      result_ = name_.empty() ? Libpq().PQexecParams(conn_.raw(), sql_.c_str(), n, nullptr,
                                                     values.data(), nullptr, nullptr, 0)
                              : Libpq().PQexecPrepared(conn_.raw(), name_.c_str(), n,
                                                       values.data(), nullptr, nullptr, 0);
    }
    const ExecStatusType st = result_ ? Libpq().PQresultStatus(result_) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      // The violation ends the transaction here (SQLite's would go on): no
      // caller continues one after an error, so no savepoint is paid for.
      return conn_.Error(result_, on);
    }
  }
  if (Libpq().PQresultStatus(result_) != PGRES_TUPLES_OK) return false;
  ++row_;
  return row_ < Libpq().PQntuples(result_);
}

Status PgStmt::DeferRows(std::vector<std::vector<std::string>>* rows, int columns) {
  if (!conn_.pipelined()) return StmtImpl::DeferRows(rows, columns);
  WS_RETURN_IF_ERROR(conn_.pipeline_failure());
  if (!Send()) return conn_.Error(nullptr);
  conn_.ExpectRows(sql_.c_str(), rows, columns);
  params_.clear();
  return Status::Ok();
}

Status PgStmt::Defer(const ConstraintErrors& on, int expect_changes, const char* what) {
  if (!conn_.pipelined()) return StmtImpl::Defer(on, expect_changes, what);
  WS_RETURN_IF_ERROR(conn_.pipeline_failure());
  if (!Send()) return conn_.Error(nullptr);
  conn_.Expect(sql_.c_str(), on, expect_changes, what);
  params_.clear();
  return Status::Ok();
}

int PgStmt::Changes() const {
  if (result_ == nullptr) return 0;
  return std::atoi(Libpq().PQcmdTuples(result_));
}

std::string_view PgStmt::Text(int column) const {
  if (Libpq().PQgetisnull(result_, row_, column)) return {};
  return {Libpq().PQgetvalue(result_, row_, column),
          static_cast<std::size_t>(Libpq().PQgetlength(result_, row_, column))};
}

std::int64_t PgStmt::Int(int column) const {
  if (Libpq().PQgetisnull(result_, row_, column)) return 0;
  return std::strtoll(Libpq().PQgetvalue(result_, row_, column), nullptr, 10);
}

bool PgStmt::IsNull(int column) const { return Libpq().PQgetisnull(result_, row_, column) != 0; }

void PgStmt::Release() {
  if (result_ != nullptr) Libpq().PQclear(result_);
  result_ = nullptr;
  executed_ = false;
  row_ = -1;
  params_.clear();
}

}  // namespace workspaced::store
