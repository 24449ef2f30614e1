#include "dataplane/postgres_cell_connection.h"

#include "store/libpq.h"

namespace workspaced::dataplane {

CellConnection::~CellConnection() {
  if (conn_ != nullptr) store::Libpq().PQfinish(conn_);
}

Status CellConnection::Connect() {
  WS_RETURN_IF_ERROR(store::LoadLibpq());
  const auto& pq = store::Libpq();
  if (conn_ != nullptr && pq.PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
  if (conn_ != nullptr) pq.PQfinish(conn_);
  conn_ = pq.PQconnectdb(conninfo_.c_str());
  if (pq.PQstatus(conn_) != CONNECTION_OK) {
    return Unavailable(std::string("dataplane: cannot reach the cell: ") + pq.PQerrorMessage(conn_))
        .WithCause(Cause::kDataplaneUnreachable);
  }
  pq.PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return Status::Ok();
}

StatusOr<PGresult*> CellConnection::Run(const std::string& sql, const std::string& param) {
  const auto& pq = store::Libpq();
  const char* values[] = {param.c_str()};
  const int n = sql.find("$1") == std::string::npos ? 0 : 1;
  PGresult* r =
      pq.PQexecParams(conn_, sql.c_str(), n, nullptr, n ? values : nullptr, nullptr, nullptr, 0);
  const ExecStatusType st = r ? pq.PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  std::string message = r ? pq.PQresultErrorMessage(r) : pq.PQerrorMessage(conn_);
  const char* state = r ? pq.PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string code = state != nullptr ? state : "";
  pq.PQclear(r);
  Cause cause = Cause::kDataplaneFailed;
  if (code.empty() || code.starts_with("08") || pq.PQstatus(conn_) != CONNECTION_OK)
    cause = Cause::kDataplaneUnreachable;
  else if (code == "53100")
    cause = Cause::kStorageFull;  // the cell's disk: wait for space like our own
  return Unavailable("dataplane: " + message).WithCause(cause);
}

StatusOr<PGresult*> CellConnection::RunParams(const std::string& sql,
                                              const std::vector<std::string>& params) {
  const auto& pq = store::Libpq();
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* r = pq.PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0);
  const ExecStatusType st = r ? pq.PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  pq.PQclear(r);
  // Classified by the connection alone: a statement's own error is not
  // worth another round trip.
  const Cause cause =
      pq.PQstatus(conn_) != CONNECTION_OK ? Cause::kDataplaneUnreachable : Cause::kDataplaneFailed;
  return Unavailable(std::string("dataplane: ") + pq.PQerrorMessage(conn_)).WithCause(cause);
}

Status CellConnection::ExecParams(const std::string& sql, const std::vector<std::string>& params) {
  WS_ASSIGN_OR_RETURN(PGresult * r, RunParams(sql, params));
  Clear(r);
  return Status::Ok();
}

Status CellConnection::Transaction(FunctionRef<Status()> fn) {
  WS_ASSIGN_OR_RETURN(PGresult * begin, Run("BEGIN", ""));
  Clear(begin);
  const Status s = fn();
  if (!s.ok()) {
    if (auto rb = Run("ROLLBACK", ""); rb.ok()) Clear(*rb);
    return s;
  }
  WS_ASSIGN_OR_RETURN(PGresult * commit, Run("COMMIT", ""));
  Clear(commit);
  return Status::Ok();
}

Status CellConnection::InTransaction(const std::vector<std::string>& statements,
                                     const std::string& param) {
  WS_RETURN_IF_ERROR(Connect());
  return Transaction([&]() -> Status {
    for (const auto& sql : statements) {
      WS_ASSIGN_OR_RETURN(PGresult * r, Run(sql, param));
      Clear(r);
    }
    return Status::Ok();
  });
}

StatusOr<bool> CellConnection::Query(const std::string& sql, const std::string& param) {
  WS_RETURN_IF_ERROR(Connect());
  WS_ASSIGN_OR_RETURN(PGresult * r, Run(sql, param));
  const bool found = Rows(r) > 0;
  Clear(r);
  return found;
}

std::string Text(const PGresult* r, int row, int col) {
  return store::Libpq().PQgetvalue(r, row, col);
}
std::int64_t Int64(const PGresult* r, int row, int col) {
  return std::stoll(store::Libpq().PQgetvalue(r, row, col));
}
bool Bool(const PGresult* r, int row, int col) {
  return store::Libpq().PQgetvalue(r, row, col)[0] == 't';
}
int Rows(const PGresult* r) { return store::Libpq().PQntuples(r); }
void Clear(PGresult* r) { store::Libpq().PQclear(r); }

}  // namespace workspaced::dataplane
