#include "saga/steps.h"

#include <array>

#include "model/relationships.h"

namespace workspaced::saga {
namespace {

using model::ProvisioningPhase;
using model::Workspace;

constexpr std::array<std::string_view, 3> kEnvironmentNames = {"dev", "staging", "prod"};

class BindAccount final : public Step {
 public:
  std::string_view name() const override { return "bind_account"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv&) override {
    StatusOr<model::Account> account = tx.GetAccount(ws.account_id);
    if (!account.ok()) {
      if (account.status().code() == Code::kNotFound)
        return Fatal("the account " + ws.account_id + " no longer exists");
      return account.status();
    }
    ws.phase = ProvisioningPhase::kAccountBinded;
    return Status::Ok();
  }
};

class ConfigureAccount final : public Step {
 public:
  std::string_view name() const override { return "configure_account"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv& env) override {
    if (!ws.created_by.empty()) {
      WS_ASSIGN_OR_RETURN(auto role, tx.GetWorkspaceRole(ws.id, ws.created_by));
      if (!role) {
        WS_RETURN_IF_ERROR(tx.PutWorkspaceMember(
            {ws.id, ws.created_by, model::WorkspaceRole::kAdmin, env.clock.Now()}));
      }
    }
    ws.phase = ProvisioningPhase::kAccountConfigured;
    return Status::Ok();
  }
  Status CompensateTx(store::Tx& tx, Workspace& ws) override {
    if (ws.created_by.empty()) return Status::Ok();
    const Status s = tx.DeleteWorkspaceMember(ws.id, ws.created_by);
    return s.code() == Code::kNotFound ? Status::Ok() : s;
  }
};

class CreateEnvironments final : public Step {
 public:
  std::string_view name() const override { return "create_environments"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv& env) override {
    WS_ASSIGN_OR_RETURN(const auto existing, tx.ListEnvironments(ws.id));
    for (std::string_view name : kEnvironmentNames) {
      bool present = false;
      for (const auto& e : existing) present = present || e.name == name;
      if (present) continue;
      WS_RETURN_IF_ERROR(tx.InsertEnvironment(
          {NewUuidV7(env.random, env.clock), ws.id, std::string(name), env.clock.Now()}));
    }
    return Status::Ok();
  }
  Status CompensateTx(store::Tx& tx, Workspace& ws) override {
    return tx.DeleteEnvironments(ws.id);
  }
};

class ProvisionDataplane final : public Step {
 public:
  explicit ProvisionDataplane(dataplane::Dataplane& dp) : dp_(dp) {}
  std::string_view name() const override { return "provision_dataplane"; }
  bool has_external() const override { return true; }
  Status External(const Workspace& ws) override { return dp_.Provision(ws); }
  Status Apply(store::Tx&, Workspace&, StepEnv&) override { return Status::Ok(); }
  Status CompensateExternal(const Workspace& ws) override { return dp_.Deprovision(ws); }

 private:
  dataplane::Dataplane& dp_;
};

class WriteRelationships final : public Step {
 public:
  std::string_view name() const override { return "write_relationships"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv&) override {
    WS_ASSIGN_OR_RETURN(const auto envs, tx.ListEnvironments(ws.id));
    WS_ASSIGN_OR_RETURN(const model::Account account, tx.GetAccount(ws.account_id));
    WS_RETURN_IF_ERROR(tx.TouchRelationships(
        model::WorkspaceRelationships(ws, envs, account.trusted_issuers)));
    ws.phase = ProvisioningPhase::kWorkspaceConfigured;
    return Status::Ok();
  }
  Status CompensateTx(store::Tx& tx, Workspace& ws) override {
    // Exactly what Apply wrote. The workspace's link to its account and its
    // memberships belong to the data and go with it (model/relationships.h).
    // (A change of the account's trusted issuers rewrites written mappings,
    // so the account's issuers now are the ones Apply wrote with.)
    WS_ASSIGN_OR_RETURN(const auto envs, tx.ListEnvironments(ws.id));
    WS_ASSIGN_OR_RETURN(const model::Account account, tx.GetAccount(ws.account_id));
    const auto rels = model::WorkspaceRelationships(ws, envs, account.trusted_issuers);
    if (rels.empty()) return Status::Ok();
    return tx.DeleteRelationships(rels);
  }
};

class Activate final : public Step {
 public:
  std::string_view name() const override { return "activate"; }
  Status Apply(store::Tx&, Workspace& ws, StepEnv&) override {
    ws.status = model::WorkspaceStatus::kActive;
    ws.phase = ProvisioningPhase::kReady;
    ws.status_reason.clear();
    return Status::Ok();
  }
};

}  // namespace

std::vector<std::unique_ptr<Step>> MakeProvisioningSteps(dataplane::Dataplane& dataplane) {
  std::vector<std::unique_ptr<Step>> steps;
  steps.push_back(std::make_unique<BindAccount>());
  steps.push_back(std::make_unique<ConfigureAccount>());
  steps.push_back(std::make_unique<CreateEnvironments>());
  steps.push_back(std::make_unique<ProvisionDataplane>(dataplane));
  steps.push_back(std::make_unique<WriteRelationships>());
  steps.push_back(std::make_unique<Activate>());
  return steps;
}

const std::vector<std::string>& ProvisioningStepNames() {
  static const std::vector<std::string> kNames = {"bind_account",        "configure_account",
                                                  "create_environments", "provision_dataplane",
                                                  "write_relationships", "activate"};
  return kNames;
}

model::ProvisioningRun NewProvisioningRun(std::string id, std::string workspace_id,
                                          std::string created_by, std::string retry_of,
                                          Micros now) {
  model::ProvisioningRun run;
  run.id = std::move(id);
  run.workspace_id = std::move(workspace_id);
  run.state = model::RunState::kPending;
  run.created_by = std::move(created_by);
  run.retry_of = std::move(retry_of);
  run.created_at = now;
  run.updated_at = now;
  run.next_attempt_at = now;
  for (const std::string& name : ProvisioningStepNames()) run.steps.push_back({.name = name});
  return run;
}

StatusOr<std::string> StartProvisioningRun(store::Tx& tx, Random& random, const Clock& clock,
                                           std::string workspace_id, std::string started_by,
                                           std::string retry_of) {
  std::string id = NewUuidV7(random, clock);
  WS_RETURN_IF_ERROR(tx.InsertRun(NewProvisioningRun(id, std::move(workspace_id),
                                                     std::move(started_by), std::move(retry_of),
                                                     clock.Now())));
  return id;
}

Status Fatal(std::string message) { return {Code::kUnprocessable, std::move(message)}; }

bool IsRetryable(const Status& s) {
  switch (s.code()) {
    case Code::kUnavailable:
    case Code::kDeadlineExceeded:
    case Code::kConflict:
    case Code::kInternal:
      return true;
    default:
      return false;
  }
}

}  // namespace workspaced::saga
