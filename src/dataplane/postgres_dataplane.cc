#include "dataplane/postgres_dataplane.h"


#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "dataplane/pooled_dataplane.h"
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

// The secrets pillar's table in `schema` (rows scoped by workspace id in a
// dedicated schema too, so one SQL serves both).
std::string SecretTableSql(const std::string& schema) {
  return "CREATE TABLE IF NOT EXISTS " + schema +
         ".secret_versions (workspace_id text NOT NULL, name text NOT NULL, version bigint NOT "
         "NULL, environment text NOT NULL, description text NOT NULL, sealed text NOT NULL, "
         "pending boolean NOT NULL, tombstone boolean NOT NULL, operation_id text NOT NULL, "
         "created_at bigint NOT NULL, created_by text NOT NULL, PRIMARY KEY (workspace_id, name, "
         "version))";
}

// The data vault's table in `schema` (docs/vault.md), and its token index.
std::string VaultTableSql(const std::string& schema) {
  return "CREATE TABLE IF NOT EXISTS " + schema +
         ".vault_fields (workspace_id text NOT NULL, record_id text NOT NULL, field text NOT "
         "NULL, type text NOT NULL, token text NOT NULL, deterministic boolean NOT NULL, mask "
         "text NOT NULL, sealed text NOT NULL, pending boolean NOT NULL, tombstone boolean NOT "
         "NULL, operation_id text NOT NULL, created_at bigint NOT NULL, created_by text NOT NULL, "
         "PRIMARY KEY (workspace_id, record_id, field, operation_id))";
}
std::string VaultIndexSql(const std::string& schema) {
  return "CREATE INDEX IF NOT EXISTS vault_fields_token ON " + schema +
         ".vault_fields (workspace_id, token)";
}

// Tokens as a text[] literal (tokens hold only [A-Za-z0-9_-]: no quoting).
std::string TokenArray(const std::vector<std::string>& tokens) {
  std::string out = "{";
  for (const auto& t : tokens) {
    if (out.size() > 1) out += ',';
    out += t;
  }
  return out + "}";
}

// The schemas whose pillar tables exist, known to every connection of a
// cell.
class ReadySchemas {
 public:
  bool Contains(const std::string& schema) {
    std::lock_guard lock(mu_);
    return schemas_.contains(schema);
  }
  void Insert(const std::string& schema) {
    std::lock_guard lock(mu_);
    schemas_.insert(schema);
  }
  void Erase(const std::string& schema) {
    std::lock_guard lock(mu_);
    schemas_.erase(schema);
  }

 private:
  std::mutex mu_;
  std::set<std::string> schemas_;  // guarded by mu_
};

// One connection to a cell (NewPostgresDataplane pools several).
class PostgresDataplane final : public Dataplane {
 public:
  PostgresDataplane(std::string conninfo, std::shared_ptr<ReadySchemas> ready)
      : conninfo_(std::move(conninfo)), ready_(std::move(ready)) {}
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
               ".dataplane_workspace (id) VALUES ($1) ON CONFLICT DO NOTHING",
           SecretTableSql(schema), VaultTableSql(schema), VaultIndexSql(schema)},
          ws.id);
    }
    return InTransaction(
        {"SELECT pg_advisory_xact_lock(7269638)", "CREATE SCHEMA IF NOT EXISTS shared",
         "CREATE TABLE IF NOT EXISTS shared.dataplane_workspaces (id text "
         "PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())",
         "INSERT INTO shared.dataplane_workspaces (id) VALUES ($1) ON CONFLICT "
         "DO NOTHING",
         SecretTableSql("shared"), VaultTableSql("shared"), VaultIndexSql("shared")},
        ws.id);
  }

  Status Deprovision(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(Check(ws));
    std::lock_guard lock(mu_);
    if (ws.tenancy_model == model::TenancyModel::kDedicated) {
      ready_->Erase(SchemaOf(ws));
      return InTransaction({"DROP SCHEMA IF EXISTS " + SchemaOf(ws) + " CASCADE"}, "");
    }
    WS_ASSIGN_OR_RETURN(const bool has_shared,
                        Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", "shared"));
    if (!has_shared) return Status::Ok();
    return InTransaction({SecretTableSql("shared"), VaultTableSql("shared"),
                          "DELETE FROM shared.secret_versions WHERE workspace_id = $1",
                          "DELETE FROM shared.vault_fields WHERE workspace_id = $1",
                          "DELETE FROM shared.dataplane_workspaces WHERE id = $1"},
                         ws.id);
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

  StatusOr<NumberedSecret> AddPendingSecret(
      const model::Workspace& ws, const SecretRow& row,
      FunctionRef<std::string(std::int64_t)> seal) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, PillarTable(ws));
    NumberedSecret out;
    WS_RETURN_IF_ERROR(Transaction([&]() -> Status {
      // One writer per (workspace, name) at a time: the next version is free.
      WS_ASSIGN_OR_RETURN(PGresult * lk, RunParams("SELECT pg_advisory_xact_lock(hashtextextended("
                                                   "$1 || '/' || $2, 0))",
                                                   {ws.id, row.name}));
      store::Libpq().PQclear(lk);
      WS_ASSIGN_OR_RETURN(PGresult * top,
                          RunParams("SELECT version, tombstone FROM " + table +
                                        " WHERE workspace_id = $1 AND name = $2 "
                                        "ORDER BY version DESC LIMIT 1",
                                    {ws.id, row.name}));
      const bool any = store::Libpq().PQntuples(top) > 0;
      out.version = any ? std::stoll(store::Libpq().PQgetvalue(top, 0, 0)) + 1 : 1;
      out.first = !any || store::Libpq().PQgetvalue(top, 0, 1)[0] == 't';
      store::Libpq().PQclear(top);
      const std::int64_t version = out.version;
      WS_ASSIGN_OR_RETURN(
          PGresult * ins,
          RunParams("INSERT INTO " + table +
                        " VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, $9, $10)",
                    {ws.id, row.name, std::to_string(version), row.environment, row.description,
                     seal(version), row.tombstone ? "true" : "false", row.operation_id,
                     std::to_string(row.created_at), row.created_by}));
      store::Libpq().PQclear(ins);
      return Status::Ok();
    }));
    return out;
  }

  Status CommitSecretOperation(const model::Workspace& ws, std::string_view operation_id,
                               int keep_versions) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, PillarTable(ws));
    const std::string op(operation_id);
    return Transaction([&]() -> Status {
      // One writer per (workspace, name) at a time, as AddPendingSecret:
      // concurrent commits of one name delete each other's old versions,
      // and would deadlock on their rows.
      WS_ASSIGN_OR_RETURN(
          PGresult * lk,
          RunParams("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || name, 0)) FROM " +
                        table + " WHERE workspace_id = $1 AND operation_id = $2",
                    {ws.id, op}));
      store::Libpq().PQclear(lk);
      // The row is committed. A tombstone also deletes every committed
      // version below it and stays: the next version numbers on from it.
      WS_ASSIGN_OR_RETURN(
          PGresult * r,
          RunParams("WITH op AS (SELECT name, version, tombstone FROM " + table +
                        " WHERE workspace_id = $1 AND operation_id = $2), "
                        "gone AS (DELETE FROM " +
                        table +
                        " t USING op WHERE op.tombstone AND t.workspace_id = $1 AND t.name = "
                        "op.name AND t.version < op.version AND NOT t.pending) UPDATE " +
                        table +
                        " t SET pending = false FROM op WHERE t.workspace_id = $1 AND t.name = "
                        "op.name AND t.version = op.version",
                    {ws.id, op}));
      store::Libpq().PQclear(r);
      // A version: the newest keep_versions committed versions of its name
      // stay (the update above is seen; none goes while fewer are there).
      WS_ASSIGN_OR_RETURN(
          r, RunParams("DELETE FROM " + table +
                           " t WHERE t.workspace_id = $1 AND NOT t.pending AND NOT t.tombstone "
                           "AND t.name = (SELECT name FROM " +
                           table +
                           " WHERE workspace_id = $1 AND operation_id = $2 AND NOT tombstone) "
                           "AND t.version < (SELECT version FROM " +
                           table +
                           " v WHERE v.workspace_id = $1 AND v.name = t.name AND NOT v.pending "
                           "AND NOT v.tombstone ORDER BY v.version DESC LIMIT 1 OFFSET $3::int)",
                       {ws.id, op, std::to_string(keep_versions - 1)}));
      store::Libpq().PQclear(r);
      return Status::Ok();
    });
  }

  Status DiscardSecretOperation(const model::Workspace& ws,
                                std::string_view operation_id) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, PillarTable(ws));
    WS_ASSIGN_OR_RETURN(PGresult * r, RunParams("DELETE FROM " + table +
                                                    " WHERE workspace_id = $1 AND operation_id "
                                                    "= $2 AND pending",
                                                {ws.id, std::string(operation_id)}));
    store::Libpq().PQclear(r);
    return Status::Ok();
  }

  StatusOr<std::vector<SecretRow>> ListSecretRows(const model::Workspace& ws,
                                                  const SecretRowQuery& query) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, PillarTable(ws));
    WS_ASSIGN_OR_RETURN(
        PGresult * r,
        RunParams("SELECT name, version, environment, description, CASE WHEN $3 THEN sealed "
                  "ELSE '' END, pending, tombstone, operation_id, created_at, created_by FROM " +
                      table +
                      " WHERE workspace_id = $1 AND ($2 = '' OR name = $2) AND (name COLLATE "
                      "\"C\" > $4 OR (name = $4 AND version > $5::bigint)) AND (NOT "
                      "$7::boolean OR pending) ORDER BY name COLLATE \"C\", version LIMIT "
                      "NULLIF($6::bigint, 0)",
                  {ws.id, query.name, query.with_values ? "true" : "false", query.after_name,
                   std::to_string(query.after_version), std::to_string(query.limit),
                   query.pending_only ? "true" : "false"}));
    std::vector<SecretRow> rows;
    const auto& pq = store::Libpq();
    for (int i = 0; i < pq.PQntuples(r); ++i) {
      SecretRow row;
      row.name = pq.PQgetvalue(r, i, 0);
      row.version = std::stoll(pq.PQgetvalue(r, i, 1));
      row.environment = pq.PQgetvalue(r, i, 2);
      row.description = pq.PQgetvalue(r, i, 3);
      row.sealed = pq.PQgetvalue(r, i, 4);
      row.pending = pq.PQgetvalue(r, i, 5)[0] == 't';
      row.tombstone = pq.PQgetvalue(r, i, 6)[0] == 't';
      row.operation_id = pq.PQgetvalue(r, i, 7);
      row.created_at = std::stoll(pq.PQgetvalue(r, i, 8));
      row.created_by = pq.PQgetvalue(r, i, 9);
      rows.push_back(std::move(row));
    }
    pq.PQclear(r);
    return rows;
  }

  Status AddPendingVaultRows(const model::Workspace& ws,
                             const std::vector<VaultRow>& rows) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, VaultTable(ws));
    return Transaction([&]() -> Status {
      for (const VaultRow& r : rows) {
        WS_ASSIGN_OR_RETURN(
            PGresult * ins,
            RunParams("INSERT INTO " + table +
                          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10, $11, $12)",
                      {ws.id, r.record_id, r.field, r.type, r.token,
                       r.deterministic ? "true" : "false", r.mask, r.sealed,
                       r.tombstone ? "true" : "false", r.operation_id,
                       std::to_string(r.created_at), r.created_by}));
        store::Libpq().PQclear(ins);
      }
      return Status::Ok();
    });
  }

  Status CommitVaultOperation(const model::Workspace& ws, std::string_view operation_id) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, VaultTable(ws));
    const std::string op(operation_id);
    return Transaction([&]() -> Status {
      // Fields: committed. A tombstone: its record's committed fields and itself go.
      WS_ASSIGN_OR_RETURN(
          PGresult * r,
          RunParams("WITH op AS (SELECT DISTINCT record_id, tombstone FROM " + table +
                        " WHERE workspace_id = $1 AND operation_id = $2), "
                        "gone AS (DELETE FROM " + table +
                        " t USING op WHERE op.tombstone AND t.workspace_id = $1 AND t.record_id "
                        "= op.record_id AND (t.operation_id = $2 OR NOT t.pending)) UPDATE " +
                        table +
                        " t SET pending = false FROM op WHERE NOT op.tombstone AND "
                        "t.workspace_id = $1 AND t.operation_id = $2",
                    {ws.id, op}));
      store::Libpq().PQclear(r);
      return Status::Ok();
    });
  }

  Status DiscardVaultOperation(const model::Workspace& ws, std::string_view operation_id) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, VaultTable(ws));
    WS_ASSIGN_OR_RETURN(PGresult * r, RunParams("DELETE FROM " + table +
                                                    " WHERE workspace_id = $1 AND operation_id "
                                                    "= $2 AND pending",
                                                {ws.id, std::string(operation_id)}));
    store::Libpq().PQclear(r);
    return Status::Ok();
  }

  StatusOr<std::vector<VaultRow>> ListVaultRows(const model::Workspace& ws,
                                                const VaultRowQuery& query) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string table, VaultTable(ws));
    WS_ASSIGN_OR_RETURN(
        PGresult * r,
        RunParams("SELECT record_id, field, type, token, deterministic, mask, CASE WHEN $3 THEN "
                  "sealed ELSE '' END, pending, tombstone, operation_id, created_at, created_by "
                  "FROM " +
                      table +
                      " WHERE workspace_id = $1 AND ($2 = '' OR record_id = $2) AND "
                      "(cardinality($7::text[]) = 0 OR token = ANY($7::text[])) AND "
                      "(record_id COLLATE \"C\" > $4 OR (record_id = $4 AND field COLLATE "
                      "\"C\" > $5)) AND (NOT $8::boolean OR pending) ORDER BY record_id "
                      "COLLATE \"C\", field COLLATE \"C\", operation_id LIMIT "
                      "NULLIF($6::bigint, 0)",
                  {ws.id, query.record_id, query.with_values ? "true" : "false",
                   query.after_record_id, query.after_field, std::to_string(query.limit),
                   TokenArray(query.tokens), query.pending_only ? "true" : "false"}));
    std::vector<VaultRow> rows;
    const auto& pq = store::Libpq();
    for (int i = 0; i < pq.PQntuples(r); ++i) {
      VaultRow row;
      row.record_id = pq.PQgetvalue(r, i, 0);
      row.field = pq.PQgetvalue(r, i, 1);
      row.type = pq.PQgetvalue(r, i, 2);
      row.token = pq.PQgetvalue(r, i, 3);
      row.deterministic = pq.PQgetvalue(r, i, 4)[0] == 't';
      row.mask = pq.PQgetvalue(r, i, 5);
      row.sealed = pq.PQgetvalue(r, i, 6);
      row.pending = pq.PQgetvalue(r, i, 7)[0] == 't';
      row.tombstone = pq.PQgetvalue(r, i, 8)[0] == 't';
      row.operation_id = pq.PQgetvalue(r, i, 9);
      row.created_at = std::stoll(pq.PQgetvalue(r, i, 10));
      row.created_by = pq.PQgetvalue(r, i, 11);
      rows.push_back(std::move(row));
    }
    pq.PQclear(r);
    return rows;
  }

 private:
  // The workspace's vault table (PillarTable creates it with the secrets one).
  StatusOr<std::string> VaultTable(const model::Workspace& ws) {
    WS_ASSIGN_OR_RETURN(const std::string secrets, PillarTable(ws));
    return secrets.substr(0, secrets.find('.')) + ".vault_fields";
  }

  // The workspace's secrets table, created the first time this process uses
  // its schema (one provisioned before the pillar existed gets it then).
  // kConflict when the workspace has no store in this cell. Caller holds mu_.
  StatusOr<std::string> PillarTable(const model::Workspace& ws) {
    WS_RETURN_IF_ERROR(Check(ws));
    WS_RETURN_IF_ERROR(Connect());
    const bool dedicated = ws.tenancy_model == model::TenancyModel::kDedicated;
    const std::string schema = dedicated ? SchemaOf(ws) : "shared";
    if (!ready_->Contains(schema)) {
      WS_ASSIGN_OR_RETURN(const bool has_schema,
                          Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema));
      if (!has_schema) return Conflict("the workspace's dataplane is not provisioned");
      WS_RETURN_IF_ERROR(InTransaction(
          {"SELECT pg_advisory_xact_lock(7269638)", SecretTableSql(schema), VaultTableSql(schema),
           VaultIndexSql(schema)},
          ""));
      ready_->Insert(schema);
    }
    if (!dedicated) {
      WS_ASSIGN_OR_RETURN(const bool provisioned,
                          Query("SELECT 1 FROM shared.dataplane_workspaces WHERE id = $1", ws.id));
      if (!provisioned) return Conflict("the workspace's dataplane is not provisioned");
    }
    return schema + ".secret_versions";
  }

  StatusOr<PGresult*> RunParams(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = store::Libpq().PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                                              nullptr, values.data(), nullptr, nullptr, 0);
    const ExecStatusType st = r ? store::Libpq().PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    store::Libpq().PQclear(r);
    // The statement's own message (with the cell's SQL) goes no further than
    // Run's: rerun the classification on a trivial statement is not worth
    // it, so classify by the connection alone.
    const Cause cause = store::Libpq().PQstatus(conn_) != CONNECTION_OK
                            ? Cause::kDataplaneUnreachable
                            : Cause::kDataplaneFailed;
    return Unavailable(std::string("dataplane: ") + store::Libpq().PQerrorMessage(conn_))
        .WithCause(cause);
  }

  // BEGIN, `fn`, COMMIT; ROLLBACK when `fn` fails.
  template <typename Fn>
  Status Transaction(Fn&& fn) {
    WS_ASSIGN_OR_RETURN(PGresult * begin, Run("BEGIN", ""));
    store::Libpq().PQclear(begin);
    const Status s = fn();
    if (!s.ok()) {
      if (auto rb = Run("ROLLBACK", ""); rb.ok()) store::Libpq().PQclear(*rb);
      return s;
    }
    WS_ASSIGN_OR_RETURN(PGresult * commit, Run("COMMIT", ""));
    store::Libpq().PQclear(commit);
    return Status::Ok();
  }

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
  const std::shared_ptr<ReadySchemas> ready_;
};


}  // namespace

std::unique_ptr<Dataplane> NewPostgresDataplane(std::string conninfo, int connections) {
  auto ready = std::make_shared<ReadySchemas>();
  std::vector<std::unique_ptr<Dataplane>> members;
  for (int i = 0; i < std::max(connections, 1); ++i)
    members.push_back(std::make_unique<PostgresDataplane>(conninfo, ready));
  return NewPooledDataplane(std::move(members));
}

}  // namespace workspaced::dataplane
