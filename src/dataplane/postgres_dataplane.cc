#include "dataplane/postgres_dataplane.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "common/random.h"
#include "dataplane/pooled_dataplane.h"
#include "dataplane/postgres_cell_connection.h"
#include "dataplane/postgres_secret_rows.h"
#include "dataplane/postgres_vault_rows.h"

namespace workspaced::dataplane {
namespace {

// A UUID's schema name: ws_ and its hex digits with '-' as '_' (no quoting
// subtleties: only [a-z0-9_] ever reaches the SQL text).
std::string SchemaOf(const model::Workspace& ws) {
  std::string name = "ws_";
  for (const char c : ws.id) name.push_back(c == '-' ? '_' : c);
  return name;
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

// The pillars' tables of `schema` and their indexes, each IF NOT EXISTS
// (and the drop of an index of releases before): run when a schema is
// provisioned and, once a process, before its first use.
std::vector<std::string> PillarTablesSql(const std::string& schema) {
  return {postgres_secrets::TableSql(schema),
          postgres_secrets::IndexSql(schema),
          postgres_secrets::DropOldIndexSql(schema),
          postgres_secrets::PendingIndexSql(schema),
          postgres_secrets::OperationIndexSql(schema),
          postgres_vault::TableSql(schema),
          postgres_vault::IndexSql(schema),
          postgres_vault::DropOldIndexSql(schema),
          postgres_vault::RecordIndexSql(schema),
          postgres_vault::PendingIndexSql(schema),
          postgres_vault::OperationIndexSql(schema)};
}

std::vector<std::string> Then(std::vector<std::string> first, std::vector<std::string> more) {
  std::ranges::move(more, std::back_inserter(first));
  return first;
}

// One connection to a cell (NewPostgresDataplane pools several). The pillar
// rows' SQL is in postgres_secret_rows.cc and postgres_vault_rows.cc.
class PostgresDataplane final : public Dataplane {
 public:
  PostgresDataplane(std::string conninfo, std::shared_ptr<ReadySchemas> ready)
      : db_(std::move(conninfo)), ready_(std::move(ready)) {}

  Status Provision(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(Check(ws));
    std::lock_guard lock(mu_);
    if (ws.tenancy_model == model::TenancyModel::kDedicated) {
      const std::string schema = SchemaOf(ws);
      return db_.InTransaction(
          Then({"SELECT pg_advisory_xact_lock(7269638)", "CREATE SCHEMA IF NOT EXISTS " + schema,
                "CREATE TABLE IF NOT EXISTS " + schema +
                    ".dataplane_workspace (id text PRIMARY KEY, created_at "
                    "timestamptz NOT NULL DEFAULT now())",
                "INSERT INTO " + schema +
                    ".dataplane_workspace (id) VALUES ($1) ON CONFLICT DO NOTHING"},
               PillarTablesSql(schema)),
          ws.id);
    }
    return db_.InTransaction(
        Then({"SELECT pg_advisory_xact_lock(7269638)", "CREATE SCHEMA IF NOT EXISTS shared",
              "CREATE TABLE IF NOT EXISTS shared.dataplane_workspaces (id text "
              "PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())",
              "INSERT INTO shared.dataplane_workspaces (id) VALUES ($1) ON CONFLICT DO NOTHING"},
             PillarTablesSql("shared")),
        ws.id);
  }

  Status Deprovision(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(Check(ws));
    std::lock_guard lock(mu_);
    if (ws.tenancy_model == model::TenancyModel::kDedicated) {
      ready_->Erase(SchemaOf(ws));
      return db_.InTransaction({"DROP SCHEMA IF EXISTS " + SchemaOf(ws) + " CASCADE"}, "");
    }
    WS_ASSIGN_OR_RETURN(const bool has_shared,
                        db_.Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", "shared"));
    if (!has_shared) return Status::Ok();
    return db_.InTransaction(
        {postgres_secrets::TableSql("shared"), postgres_vault::TableSql("shared"),
         "DELETE FROM shared.secret_versions WHERE workspace_id = $1",
         "DELETE FROM shared.vault_fields WHERE workspace_id = $1",
         "DELETE FROM shared.dataplane_workspaces WHERE id = $1"},
        ws.id);
  }

  Status Ping() override {
    std::lock_guard lock(mu_);
    return db_.Query("SELECT 1", "").status();
  }

  StatusOr<bool> Exists(const model::Workspace& ws) override {
    WS_RETURN_IF_ERROR(Check(ws));
    std::lock_guard lock(mu_);
    if (ws.tenancy_model == model::TenancyModel::kDedicated)
      return db_.Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", SchemaOf(ws));
    WS_ASSIGN_OR_RETURN(
        const bool has_table,
        db_.Query("SELECT 1 WHERE to_regclass($1) IS NOT NULL", "shared.dataplane_workspaces"));
    if (!has_table) return false;
    return db_.Query("SELECT 1 FROM shared.dataplane_workspaces WHERE id = $1", ws.id);
  }

  StatusOr<NumberedSecret> AddPendingSecret(const model::Workspace& ws, const SecretRow& row,
                                            FunctionRef<std::string(std::int64_t)> seal) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_secrets::AddPending(db_, SecretTable(schema), ws.id, row, seal);
  }

  Status CommitSecretOperation(const model::Workspace& ws, std::string_view operation_id,
                               int keep_versions) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_secrets::Commit(db_, SecretTable(schema), ws.id, operation_id, keep_versions);
  }

  Status DiscardSecretOperation(const model::Workspace& ws,
                                std::string_view operation_id) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_secrets::Discard(db_, SecretTable(schema), ws.id, operation_id);
  }

  StatusOr<std::vector<SecretRow>> ListSecretRows(const model::Workspace& ws,
                                                  const SecretRowQuery& query) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_secrets::List(db_, SecretTable(schema), ws.id, query);
  }

  Status AddPendingVaultRows(const model::Workspace& ws,
                             const std::vector<VaultRow>& rows) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_vault::AddPending(db_, VaultTable(schema), ws.id, rows);
  }

  Status CommitVaultOperation(const model::Workspace& ws, std::string_view operation_id) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_vault::Commit(db_, VaultTable(schema), ws.id, operation_id);
  }

  Status DiscardVaultOperation(const model::Workspace& ws, std::string_view operation_id) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_vault::Discard(db_, VaultTable(schema), ws.id, operation_id);
  }

  StatusOr<std::vector<VaultRow>> ListVaultRows(const model::Workspace& ws,
                                                const VaultRowQuery& query) override {
    std::lock_guard lock(mu_);
    WS_ASSIGN_OR_RETURN(const std::string schema, PillarSchema(ws));
    return postgres_vault::List(db_, VaultTable(schema), ws.id, query);
  }

 private:
  static std::string SecretTable(const std::string& schema) { return schema + ".secret_versions"; }
  static std::string VaultTable(const std::string& schema) { return schema + ".vault_fields"; }

  // The schema holding the workspace's pillar tables, which are created the
  // first time this process uses it (one provisioned before a pillar existed
  // gets them then). kConflict when the workspace has no store in this
  // cell. Caller holds mu_.
  StatusOr<std::string> PillarSchema(const model::Workspace& ws) {
    WS_RETURN_IF_ERROR(Check(ws));
    WS_RETURN_IF_ERROR(db_.Connect());
    const bool dedicated = ws.tenancy_model == model::TenancyModel::kDedicated;
    const std::string schema = dedicated ? SchemaOf(ws) : "shared";
    if (!ready_->Contains(schema)) {
      WS_ASSIGN_OR_RETURN(const bool has_schema,
                          db_.Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema));
      if (!has_schema) return Conflict("the workspace's dataplane is not provisioned");
      WS_RETURN_IF_ERROR(db_.InTransaction(
          Then({"SELECT pg_advisory_xact_lock(7269638)"}, PillarTablesSql(schema)), ""));
      ready_->Insert(schema);
    }
    if (!dedicated) {
      WS_ASSIGN_OR_RETURN(
          const bool provisioned,
          db_.Query("SELECT 1 FROM shared.dataplane_workspaces WHERE id = $1", ws.id));
      if (!provisioned) return Conflict("the workspace's dataplane is not provisioned");
    }
    return schema;
  }

  static Status Check(const model::Workspace& ws) {
    if (!IsUuid(ws.id)) return InvalidArgument("dataplane: not a workspace id: " + ws.id);
    return Status::Ok();
  }

  std::mutex mu_;
  CellConnection db_;  // guarded by mu_
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
