#include "dataplane/postgres_dataplane.h"


#include <mutex>
#include <vector>

#include "common/log.h"
#include "common/random.h"
#include "store/libpq.h"

namespace workspaced::dataplane {
namespace {

// A UUID's schema name: ws_ and its hex digits with '-' as '_' (no quoting
// subtleties: only [a-z0-9_] ever reaches the SQL text).
std::string SchemaOf(const model::Workspace& ws) {
  std::string name = "ws_";
  for (const char c : ws.id) name.push_back(c == '-' ? '_' : c);
  return name;
}

class PostgresDataplane final : public Dataplane {
 public:
  explicit PostgresDataplane(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PostgresDataplane() override {
    if (conn_ != nullptr) store::Libpq().PQfinish(conn_);
  }

  Status Provision(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(Check(ws));
    std::lock_guard lock(mu_);
    if (ws.tenancy_model == model::TenancyModel::kDedicated) {
      const std::string schema = SchemaOf(ws);
      return InTransaction(
          {"SELECT pg_advisory_xact_lock(7269638)", "CREATE SCHEMA IF NOT EXISTS " + schema,
           "CREATE TABLE IF NOT EXISTS " + schema +
               ".dataplane_workspace (id text PRIMARY KEY, created_at "
               "timestamptz NOT NULL DEFAULT now())",
           "INSERT INTO " + schema +
               ".dataplane_workspace (id) VALUES ($1) ON CONFLICT DO NOTHING"},
          ws.id);
    }
    return InTransaction(
        {"SELECT pg_advisory_xact_lock(7269638)", "CREATE SCHEMA IF NOT EXISTS shared",
         "CREATE TABLE IF NOT EXISTS shared.dataplane_workspaces (id text "
         "PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())",
         "INSERT INTO shared.dataplane_workspaces (id) VALUES ($1) ON CONFLICT "
         "DO NOTHING"},
        ws.id);
  }

  Status Deprovision(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(Check(ws));
    std::lock_guard lock(mu_);
    if (ws.tenancy_model == model::TenancyModel::kDedicated)
      return InTransaction({"DROP SCHEMA IF EXISTS " + SchemaOf(ws) + " CASCADE"}, "");
    WS_ASSIGN_OR_RETURN(const bool has_shared,
                        Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", "shared"));
    if (!has_shared) return Status::Ok();
    return InTransaction({"DELETE FROM shared.dataplane_workspaces WHERE id = $1"}, ws.id);
  }

  Status Ping() override {
    std::lock_guard lock(mu_);
    return Query("SELECT 1", "").status();
  }

  StatusOr<bool> Exists(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(Check(ws));
    std::lock_guard lock(mu_);
    if (ws.tenancy_model == model::TenancyModel::kDedicated)
      return Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", SchemaOf(ws));
    WS_ASSIGN_OR_RETURN(const bool has_table, Query("SELECT 1 WHERE to_regclass($1) IS NOT NULL",
                                                    "shared.dataplane_workspaces"));
    if (!has_table) return false;
    return Query("SELECT 1 FROM shared.dataplane_workspaces WHERE id = $1", ws.id);
  }

 private:
  static Status Check(const model::Workspace& ws) {
    if (!IsUuid(ws.id)) return InvalidArgument("dataplane: not a workspace id: " + ws.id);
    return Status::Ok();
  }

  Status Connect() {
    WS_RETURN_IF_ERROR(store::LoadLibpq());
    if (conn_ != nullptr && store::Libpq().PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    if (conn_ != nullptr) store::Libpq().PQfinish(conn_);
    conn_ = store::Libpq().PQconnectdb(conninfo_.c_str());
    if (store::Libpq().PQstatus(conn_) != CONNECTION_OK) {
      return Unavailable(std::string("dataplane: cannot reach the cell: ") + store::Libpq().PQerrorMessage(conn_))
          .WithCause(Cause::kDataplaneUnreachable);
    }
    store::Libpq().PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    return Status::Ok();
  }

  // One statement; `param` is $1 when the statement has one.
  StatusOr<PGresult*> Run(const std::string& sql, const std::string& param) {
    const char* values[] = {param.c_str()};
    const int n = sql.find("$1") == std::string::npos ? 0 : 1;
    PGresult* r =
        store::Libpq().PQexecParams(conn_, sql.c_str(), n, nullptr, n ? values : nullptr, nullptr, nullptr, 0);
    const ExecStatusType st = r ? store::Libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    std::string message = r ? store::Libpq().PQresultErrorMessage(r) : store::Libpq().PQerrorMessage(conn_);
    const char* state = r ? store::Libpq().PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string code = state != nullptr ? state : "";
    store::Libpq().PQclear(r);
    Cause cause = Cause::kDataplaneFailed;
    if (code.empty() || code.starts_with("08") || store::Libpq().PQstatus(conn_) != CONNECTION_OK)
      cause = Cause::kDataplaneUnreachable;
    else if (code == "53100")
      cause = Cause::kStorageFull;  // the cell's disk: wait for space like our own
    return Unavailable("dataplane: " + message).WithCause(cause);
  }

  Status InTransaction(const std::vector<std::string>& statements, const std::string& param) {
    WS_RETURN_IF_ERROR(Connect());
    WS_ASSIGN_OR_RETURN(PGresult * begin, Run("BEGIN", ""));
    store::Libpq().PQclear(begin);
    for (const auto& sql : statements) {
      StatusOr<PGresult*> r = Run(sql, param);
      if (!r.ok()) {
        if (auto rb = Run("ROLLBACK", ""); rb.ok()) store::Libpq().PQclear(*rb);
        return r.status();
      }
      store::Libpq().PQclear(*r);
    }
    WS_ASSIGN_OR_RETURN(PGresult * commit, Run("COMMIT", ""));
    store::Libpq().PQclear(commit);
    return Status::Ok();
  }

  StatusOr<bool> Query(const std::string& sql, const std::string& param) {
    WS_RETURN_IF_ERROR(Connect());
    WS_ASSIGN_OR_RETURN(PGresult * r, Run(sql, param));
    const bool found = store::Libpq().PQntuples(r) > 0;
    store::Libpq().PQclear(r);
    return found;
  }

  const std::string conninfo_;
  std::mutex mu_;
  PGconn* conn_ = nullptr;  // guarded by mu_
};

class Routing final : public Dataplane {
 public:
  Routing(std::unique_ptr<Dataplane> fallback,
          std::map<std::string, std::unique_ptr<Dataplane>> cells)
      : fallback_(std::move(fallback)), cells_(std::move(cells)) {}
  Status Provision(const model::Workspace& ws) override { return For(ws).Provision(ws); }
  Status Deprovision(const model::Workspace& ws) override { return For(ws).Deprovision(ws); }
  StatusOr<bool> Exists(const model::Workspace& ws) override { return For(ws).Exists(ws); }
  // The embedded one, then each cell; the first failure names its region
  // (its own message, which may hold a host, goes to the log only).
  Status Ping() override {
    WS_RETURN_IF_ERROR(fallback_->Ping());
    for (const auto& [region, cell] : cells_) {
      const Status s = cell->Ping();
      if (s.ok()) continue;
      log::Warn("dataplane: a cell does not answer", {{"region", region}, {"error", s.message()}});
      return Unavailable("the dataplane of region " + region + " is unreachable");
    }
    return Status::Ok();
  }

 private:
  Dataplane& For(const model::Workspace& ws) {
    const auto it = cells_.find(ws.region);
    return it == cells_.end() ? *fallback_ : *it->second;
  }
  std::unique_ptr<Dataplane> fallback_;
  std::map<std::string, std::unique_ptr<Dataplane>> cells_;
};

}  // namespace

std::unique_ptr<Dataplane> NewPostgresDataplane(std::string conninfo) {
  return std::make_unique<PostgresDataplane>(std::move(conninfo));
}

std::unique_ptr<Dataplane> NewRoutingDataplane(
    std::unique_ptr<Dataplane> fallback, std::map<std::string, std::unique_ptr<Dataplane>> cells) {
  return std::make_unique<Routing>(std::move(fallback), std::move(cells));
}

}  // namespace workspaced::dataplane
