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

bool PgConnection::healthy() const { return Libpq().PQstatus(conn_) == CONNECTION_OK; }

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
    if (prepared_) {
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
  PGresult* r = Libpq().PQexec(conn_, sql);
  const ExecStatusType st = r ? Libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
  Status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? Status::Ok() : Error(r);
  Libpq().PQclear(r);
  return s;
}

StatusOr<int> PgConnection::ExecScript(const char* sql) {
  if (Libpq().PQsendQuery(conn_, sql) == 0) return Error(nullptr);
  Status failure = Status::Ok();
  int rows = -1;
  // Every result must be read before the connection takes the next command.
  while (PGresult* r = Libpq().PQgetResult(conn_)) {
    const ExecStatusType st = Libpq().PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      if (failure.ok()) failure = Error(r);
    } else if (rows < 0) {
      rows = Libpq().PQntuples(r);
    }
    Libpq().PQclear(r);
  }
  if (!failure.ok()) return failure;
  if (!healthy()) return Error(nullptr);
  return rows < 0 ? 0 : rows;
}

void PgStmt::BindText(int index, std::string_view text) {
  if (static_cast<int>(params_.size()) < index) params_.resize(index);
  params_[index - 1].assign(text);
}

void PgStmt::BindInt(int index, std::int64_t value) {
  if (static_cast<int>(params_.size()) < index) params_.resize(index);
  params_[index - 1] = std::to_string(value);
}

StatusOr<bool> PgStmt::Step(const ConstraintErrors& on) {
  if (!executed_) {
    // A failed statement aborts a PostgreSQL transaction; SQLite's goes on,
    // and callers rely on that for expected violations (a slug taken: try
    // the next). Those statements run inside a savepoint.
    const bool may_fail = on.primary_key.message != nullptr || on.unique.message != nullptr ||
                          on.foreign_key.message != nullptr;
    if (may_fail) WS_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT ws_stmt"));
    std::vector<const char*> values;
    values.reserve(params_.size());
    for (const auto& p : params_) values.push_back(p.c_str());
    // Unnamed: Parse, Bind and Execute in one round trip, on whichever
    // server connection a pooler gives this transaction.
    result_ = name_.empty() ? Libpq().PQexecParams(conn_.raw(), sql_.c_str(),
                                                   static_cast<int>(values.size()), nullptr,
                                                   values.data(), nullptr, nullptr, 0)
                            : Libpq().PQexecPrepared(conn_.raw(), name_.c_str(),
                                                     static_cast<int>(values.size()),
                                                     values.data(), nullptr, nullptr, 0);
    executed_ = true;
    const ExecStatusType st = result_ ? Libpq().PQresultStatus(result_) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      Status error = conn_.Error(result_, on);
      if (may_fail) (void)conn_.Exec("ROLLBACK TO SAVEPOINT ws_stmt");
      return error;
    }
    if (may_fail) WS_RETURN_IF_ERROR(conn_.Exec("RELEASE SAVEPOINT ws_stmt"));
  }
  if (Libpq().PQresultStatus(result_) != PGRES_TUPLES_OK) return false;
  ++row_;
  return row_ < Libpq().PQntuples(result_);
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
