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
  // The create made the creator its admin in its own transaction, with the
  // workspace row (domain/workspaces.cc), and like that row it stays when
  // a run fails: a member removed since stays removed, and a retry gives
  // no one back a membership. Only a workspace with no member at all (its
  // create made by a release before that) gets its creator here.
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv& env) override {
    if (!ws.created_by.empty()) {
      WS_ASSIGN_OR_RETURN(const store::MemberCounts members, tx.CountWorkspaceMembers(ws.id));
      if (members.members == 0) {
        WS_RETURN_IF_ERROR(tx.PutWorkspaceMember(
            {ws.id, ws.created_by, model::WorkspaceRole::kAdmin, env.clock.Now()}));
      }
    }
    ws.phase = ProvisioningPhase::kAccountConfigured;
    return Status::Ok();
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
    WS_RETURN_IF_ERROR(
        tx.TouchRelationships(model::WorkspaceRelationships(ws, envs, account.trusted_issuers)));
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
    // The phase goes back with them, in this transaction: while the other
    // compensations run, a change of the group mappings or of the account's
    // trusted issuers must not take them as written and write them again
    // (nothing would remove those: a grant no one could revoke).
    ws.phase = ProvisioningPhase::kAccountConfigured;
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

// ---- delete: the workspace is soft-deleted and its purge scheduled ----

class MarkDeleted final : public Step {
 public:
  explicit MarkDeleted(Micros retention) : retention_(retention) {}
  std::string_view name() const override { return "mark_deleted"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv& env) override {
    if (ws.status != model::WorkspaceStatus::kDeleting)
      return Fatal("the workspace is " + std::string(model::ToString(ws.status)) +
                   ", not deleting");
    ws.status = model::WorkspaceStatus::kDeleted;
    // In this step's own transaction, so the purge exists iff the delete
    // is recorded; it is not claimable before the window ends.
    const Micros now = env.clock.Now();
    return StartOperation(tx, env.random, env.clock, model::OperationKind::kPurge, ws.id,
                          ws.updated_by, now + retention_)
        .status();
  }

 private:
  const Micros retention_;
};

// ---- purge: what a deleted workspace held goes; its row stays, sealed ----

// The purge runs only on a deleted workspace (a restore cancels the purge in
// the transaction that brings the workspace back).
Status RequireDeleted(const Workspace& ws) {
  if (ws.status == model::WorkspaceStatus::kDeleted || ws.status == model::WorkspaceStatus::kPurged)
    return Status::Ok();
  return Fatal("the workspace is " + std::string(model::ToString(ws.status)) + ", not deleted");
}

class DropDataplane final : public Step {
 public:
  // Items deleted per transaction before Apply's.
  static constexpr int kItemsPerTransaction = 5000;

  DropDataplane(dataplane::Dataplane& dp, store::Store& store) : dp_(dp), store_(store) {}
  std::string_view name() const override { return "drop_dataplane"; }
  bool has_external() const override { return true; }
  // The dataplane goes, then the items quotas count, a batch per
  // transaction: a workspace may hold millions (10,000,000 secrets is a
  // quota's ceiling), and one transaction deleting them would hold the
  // store's write lock (SQLite: every writer) for seconds. Both idempotent;
  // nothing adds items to a deleted workspace, and Apply deletes whatever
  // is left.
  Status External(const Workspace& ws) override {
    WS_RETURN_IF_ERROR(RequireDeleted(ws));
    WS_RETURN_IF_ERROR(dp_.Deprovision(ws));
    for (std::int64_t deleted = kItemsPerTransaction; deleted == kItemsPerTransaction;) {
      WS_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(deleted, tx.DeletePillarItems(ws.id, kItemsPerTransaction));
        return Status::Ok();
      }));
    }
    return Status::Ok();
  }
  // The workspace's data key goes with its data (crypto-shredding,
  // docs/encryption.md): a copy of a pillar's rows anywhere (a backup) can
  // no longer be opened. What the control plane keeps of the pillars goes
  // in the same transaction: the items quotas count (secret names, vault
  // record ids), the outcomes of its pillar operations (no pending row is
  // left to need them), and the stored answers of its idempotent requests
  // (a vault record's holds its tokens and masks); their keys stay until
  // they expire, so a retried create makes no second workspace.
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv&) override {
    WS_RETURN_IF_ERROR(RequireDeleted(ws));
    WS_RETURN_IF_ERROR(tx.DeletePillarRows(ws.id));
    WS_RETURN_IF_ERROR(tx.ForgetIdempotencyAnswersOf(ws.id));
    return tx.DeleteDataKey(ws.id);
  }

 private:
  dataplane::Dataplane& dp_;
  store::Store& store_;
};

// Every relationship of the workspace and of its environments, whatever
// wrote it, deleted through the outbox (so SpiceDB forgets them too).
Status DeleteWorkspaceRelationships(store::Tx& tx, const Workspace& ws) {
  WS_ASSIGN_OR_RETURN(auto rels, tx.ListRelationshipsForResource("workspace", ws.id));
  WS_ASSIGN_OR_RETURN(const auto envs, tx.ListEnvironments(ws.id));
  for (const auto& e : envs) {
    WS_ASSIGN_OR_RETURN(auto more, tx.ListRelationshipsForResource("environment", e.id));
    rels.insert(rels.end(), more.begin(), more.end());
  }
  if (rels.empty()) return Status::Ok();
  return tx.DeleteRelationships(rels);
}

class RemoveRelationships final : public Step {
 public:
  std::string_view name() const override { return "remove_relationships"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv&) override {
    return DeleteWorkspaceRelationships(tx, ws);
  }
};

class RemoveEnvironments final : public Step {
 public:
  std::string_view name() const override { return "remove_environments"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv&) override {
    return tx.DeleteEnvironments(ws.id);
  }
};

class RemoveMemberships final : public Step {
 public:
  std::string_view name() const override { return "remove_memberships"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv&) override {
    WS_ASSIGN_OR_RETURN(const auto members, tx.ListWorkspaceMembers(ws.id));
    for (const auto& m : members) WS_RETURN_IF_ERROR(tx.DeleteWorkspaceMember(ws.id, m.subject));
    return Status::Ok();
  }
};

// The row stays as a tombstone (its operations and audit chain refer to
// it) holding nothing of what the workspace's users gave it; its slug is
// freed for a new workspace. The engine seals the audit chain after the
// run's last event (engine.h).
class SealWorkspace final : public Step {
 public:
  std::string_view name() const override { return "seal_workspace"; }
  Status Apply(store::Tx& tx, Workspace& ws, StepEnv&) override {
    WS_RETURN_IF_ERROR(RequireDeleted(ws));
    // Until this transaction the workspace is `deleted`, and a change of its
    // account's trusted issuers writes its group relationships again (as for
    // any soft-deleted workspace): those written after remove_relationships
    // go here, with the status that ends such writes (outside audit).
    WS_RETURN_IF_ERROR(DeleteWorkspaceRelationships(tx, ws));
    ws.status = model::WorkspaceStatus::kPurged;
    ws.status_reason = "purged";
    ws.name.clear();
    // Not a slug anyone can choose (a slug starts with a letter): a user
    // who took "purged-<id>" before the purge would block it for ever.
    ws.slug = "~purged-" + ws.id;
    ws.labels.clear();
    ws.group_mappings.clear();
    ws.runtime_generation.clear();
    return Status::Ok();
  }
};

}  // namespace

std::vector<std::unique_ptr<Step>> MakeSteps(dataplane::Dataplane& dataplane, store::Store& store,
                                             const LifecycleOptions& options) {
  std::vector<std::unique_ptr<Step>> steps = MakeProvisioningSteps(dataplane);
  steps.push_back(std::make_unique<MarkDeleted>(options.retention));
  steps.push_back(std::make_unique<DropDataplane>(dataplane, store));
  steps.push_back(std::make_unique<RemoveRelationships>());
  steps.push_back(std::make_unique<RemoveEnvironments>());
  steps.push_back(std::make_unique<RemoveMemberships>());
  steps.push_back(std::make_unique<SealWorkspace>());
  return steps;
}

const std::vector<std::string>& StepNamesOf(model::OperationKind kind) {
  static const std::vector<std::string> kDelete = {"mark_deleted"};
  static const std::vector<std::string> kPurge = {"drop_dataplane", "remove_relationships",
                                                  "remove_environments", "remove_memberships",
                                                  "seal_workspace"};
  static const std::vector<std::string> kRestore = {"restore"};
  switch (kind) {
    case model::OperationKind::kDelete:
      return kDelete;
    case model::OperationKind::kPurge:
      return kPurge;
    case model::OperationKind::kRestore:
      return kRestore;
    case model::OperationKind::kCreate:
    case model::OperationKind::kRetry:
      break;
  }
  return ProvisioningStepNames();
}

bool Compensable(model::OperationKind kind) {
  return kind == model::OperationKind::kCreate || kind == model::OperationKind::kRetry;
}

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
  run.kind = run.retry_of.empty() ? model::OperationKind::kCreate : model::OperationKind::kRetry;
  for (const std::string& name : ProvisioningStepNames()) run.steps.push_back({.name = name});
  return run;
}

namespace {

// An id after every run of the workspace: its runs are ordered by id (the
// latest, an operation's successor), and another host's clock may be behind
// the one that made the last.
StatusOr<std::string> NextRunId(store::Tx& tx, Random& random, const Clock& clock,
                                std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(const auto latest, tx.LatestRunForWorkspace(workspace_id));
  return latest ? NewUuidV7After(random, clock, latest->id) : NewUuidV7(random, clock);
}

}  // namespace

StatusOr<std::string> StartOperation(store::Tx& tx, Random& random, const Clock& clock,
                                     model::OperationKind kind, std::string workspace_id,
                                     std::string started_by, Micros not_before) {
  WS_ASSIGN_OR_RETURN(std::string id, NextRunId(tx, random, clock, workspace_id));
  model::ProvisioningRun run =
      NewProvisioningRun(id, std::move(workspace_id), std::move(started_by), "", clock.Now());
  run.kind = kind;
  run.next_attempt_at = not_before;
  run.steps.clear();
  for (const std::string& name : StepNamesOf(kind)) run.steps.push_back({.name = name});
  WS_RETURN_IF_ERROR(tx.InsertRun(run));
  return id;
}

StatusOr<std::string> StartProvisioningRun(store::Tx& tx, Random& random, const Clock& clock,
                                           std::string workspace_id, std::string started_by,
                                           std::string retry_of) {
  // A new workspace has no run yet: its first id needs no read.
  std::string id = NewUuidV7(random, clock);
  if (!retry_of.empty()) {
    WS_ASSIGN_OR_RETURN(id, NextRunId(tx, random, clock, workspace_id));
  }
  WS_RETURN_IF_ERROR(tx.InsertRun(NewProvisioningRun(
      id, std::move(workspace_id), std::move(started_by), std::move(retry_of), clock.Now())));
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
