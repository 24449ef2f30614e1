// Workspaces::Delete, Restore and CancelOperation (workspaces.h): the
// lifecycle after creation, each one write transaction like the rest of
// the class (docs/lifecycle.md).
#include <boost/json.hpp>

#include "domain/pillar_contents.h"
#include "domain/workspace_rules.h"
#include "domain/workspaces.h"
#include "saga/engine.h"
#include "saga/steps.h"

namespace workspaced::domain {
namespace {

namespace json = boost::json;
using model::OperationKind;
using model::RunState;
using model::WorkspaceStatus;

bool Unfinished(RunState s) {
  return s == RunState::kPending || s == RunState::kRunning || s == RunState::kCompensating;
}

// Safe delete: 409 naming what the pillars still hold.
Status NotEmpty(const std::vector<PillarContent>& remaining) {
  std::string list;
  json::object members;
  for (const auto& p : remaining) {
    list += (list.empty() ? "" : ", ") + p.pillar + " (" + std::to_string(p.items) + ")";
    members[p.pillar] = p.items;
  }
  return Conflict("the workspace still holds data: " + list +
                  "; remove it first, or an account admin may delete with ?force=true")
      .WithProblemType("workspace-not-empty", "Workspace Not Empty")
      .WithMember("remaining", json::serialize(members));
}

// In `tx`: brings the deleted `ws` back to the status it had, cancelling
// its purge, which must still wait for its window; records a restore
// operation (`restore`) and audits. `purge` is the purge after the change.
Status RestoreInTx(store::Tx& tx, const Actor& actor, Random& random, const Clock& clock,
                   model::Workspace& ws, model::ProvisioningRun& purge,
                   model::ProvisioningRun& restore, std::string_view via) {
  const Micros now = clock.Now();
  if (ws.status == WorkspaceStatus::kPurged) return NotFound("workspace not found");
  WS_ASSIGN_OR_RETURN(const auto latest, tx.LatestRunForWorkspace(ws.id));
  if (ws.status == WorkspaceStatus::kDeleting && latest) return OperationRunning(*latest);
  if (ws.status != WorkspaceStatus::kDeleted)
    return Conflict(WorkspaceIs(ws.status) + "; only a deleted workspace can be restored");
  if (!latest || latest->kind != OperationKind::kPurge || latest->state != RunState::kPending ||
      latest->next_attempt_at <= now) {
    Status s = Conflict(
        "the retention window has ended: the workspace is being purged and can "
        "no longer be restored");
    if (latest) s.WithMember("operation_id", json::serialize(json::value(latest->id)));
    return s;
  }
  purge = *latest;
  const std::int64_t fence = purge.lease_version;
  purge.state = RunState::kCancelled;
  purge.error = "cancelled: the workspace was restored";
  purge.error_code = "cancelled";
  purge.finished_at = purge.updated_at = now;
  purge.lease_owner.clear();
  purge.lease_expires_at = 0;
  purge.lease_version = fence + 1;  // fences out anyone who would claim it
  WS_RETURN_IF_ERROR(tx.UpdateRun(purge, fence));

  // Exactly as it was: a delete only changed the status, and only an active
  // or a failed workspace (phase error) is deleted.
  ws.status = ws.phase == model::ProvisioningPhase::kError ? WorkspaceStatus::kError
                                                           : WorkspaceStatus::kActive;
  WS_RETURN_IF_ERROR(SaveChange(tx, ws, actor, now));
  // Its group relationships follow the account's issuers of now, whatever
  // changed while it was deleted (rows a release before the fix of
  // SetTrustedIssuers left behind included).
  if (RelationshipsWritten(ws)) {
    WS_ASSIGN_OR_RETURN(const model::Account account, tx.GetAccount(ws.account_id));
    WS_RETURN_IF_ERROR(
        SyncGroupRelationships(tx, ws.id, ws.group_mappings, account.trusted_issuers));
  }

  restore = saga::NewProvisioningRun(NewUuidV7(random, clock), ws.id, actor.subject, "", now);
  restore.kind = OperationKind::kRestore;
  restore.steps.clear();
  restore.steps.push_back({.name = "restore",
                           .state = model::StepState::kSucceeded,
                           .attempts = 1,
                           .started_at = now,
                           .finished_at = now});
  restore.state = RunState::kSucceeded;
  restore.current_step = 1;
  restore.finished_at = now;
  WS_RETURN_IF_ERROR(tx.InsertRun(restore));

  model::AuditEvent e = AuditEventBy(actor, now, "workspace.restore", "workspace", ws.id, ws.id);
  e.details = json::serialize(json::object{{"operation_id", restore.id},
                                           {"cancelled_purge_id", purge.id},
                                           {"status", model::ToString(ws.status)},
                                           {"via", via}});
  return tx.AppendAudit(e);
}

}  // namespace

StatusOr<LifecycleResult> Workspaces::Delete(const Actor& actor, const std::string& id, bool force,
                                             const Precondition& precondition) {
  LifecycleResult out;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    const Micros now = d_.clock.Now();
    WS_ASSIGN_OR_RETURN(model::Workspace ws, tx.GetWorkspace(id));
    if (ws.status == WorkspaceStatus::kPurged) return NotFound("workspace not found");
    WS_RETURN_IF_ERROR(RequireNotFrozen(ws));
    if (ws.status == WorkspaceStatus::kDeleting)
      WS_RETURN_IF_ERROR(RequireNoOperationRunning(tx, id));
    if (ws.status == WorkspaceStatus::kDeleted)
      return Conflict(
          "the workspace is already deleted; it is purged when its retention "
          "window ends, or restored with POST /v1/workspaces/" +
          id + "/restore");
    if (precondition) WS_RETURN_IF_ERROR(precondition(ws));
    WS_RETURN_IF_ERROR(RequireNoOperationRunning(tx, id));
    if (ws.status != WorkspaceStatus::kActive && ws.status != WorkspaceStatus::kError)
      return Conflict(WorkspaceIs(ws.status) +
                      "; only an active or a failed workspace can be deleted");
    if (ws.deletion_protection) {
      return Conflict(
                 "the workspace has deletion protection; clear it first with PATCH "
                 "/v1/workspaces/" +
                 id + " {\"deletion_protection\": false}")
          .WithProblemType("deletion-protected", "Deletion Protected");
    }
    WS_ASSIGN_OR_RETURN(const auto remaining, CountPillarContents(tx, ws));
    if (!remaining.empty() && !force) return NotEmpty(remaining);
    ws.status = WorkspaceStatus::kDeleting;
    WS_RETURN_IF_ERROR(SaveChange(tx, ws, actor, now));
    WS_ASSIGN_OR_RETURN(const std::string op_id,
                        saga::StartOperation(tx, d_.random, d_.clock, OperationKind::kDelete, id,
                                             actor.subject, now));
    json::object removed;
    for (const auto& p : remaining) removed[p.pillar] = p.items;
    model::AuditEvent e = AuditEventBy(actor, now, "workspace.delete", "workspace", id, id);
    e.details = json::serialize(
        json::object{{"operation_id", op_id}, {"force", force}, {"remaining", removed}});
    WS_RETURN_IF_ERROR(tx.AppendAudit(e));
    out.workspace = ws;
    WS_ASSIGN_OR_RETURN(out.operation, tx.GetRun(op_id));
    return Status::Ok();
  }));
  WakeEngine();
  return out;
}

StatusOr<LifecycleResult> Workspaces::Restore(const Actor& actor, const std::string& id,
                                              LifecycleRecordInTx record) {
  LifecycleResult out;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(out.workspace, tx.GetWorkspace(id));
    model::ProvisioningRun purge;
    WS_RETURN_IF_ERROR(RestoreInTx(tx, actor, d_.random, d_.clock, out.workspace, purge,
                                   out.operation, "restore"));
    return record(tx, out);
  }));
  return out;
}

StatusOr<LifecycleResult> Workspaces::CancelOperation(const Actor& actor,
                                                      const std::string& operation_id,
                                                      LifecycleRecordInTx record) {
  LifecycleResult out;
  bool wake = false;
  WS_RETURN_IF_ERROR(d_.store.Write([&](store::Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(CancelInTx(tx, actor, operation_id, out, wake));
    return record(tx, out);
  }));
  if (wake) WakeEngine();
  return out;
}

Status Workspaces::CancelInTx(store::Tx& tx, const Actor& actor, const std::string& operation_id,
                              LifecycleResult& out, bool& wake) {
  const Micros now = d_.clock.Now();
  wake = false;
  WS_ASSIGN_OR_RETURN(model::ProvisioningRun op, tx.GetRun(operation_id));
  WS_ASSIGN_OR_RETURN(out.workspace, tx.GetWorkspace(op.workspace_id));
  model::ProvisioningRun restore;
  switch (op.kind) {
    case OperationKind::kPurge:
      if (op.state != RunState::kPending || op.next_attempt_at <= now) {
        return Conflict("a " + std::string(model::ToString(op.state)) +
                        " purge cannot be cancelled: only one still waiting for its "
                        "retention window");
      }
      return RestoreInTx(tx, actor, d_.random, d_.clock, out.workspace, out.operation, restore,
                         "cancel");
    case OperationKind::kDelete: {
      if (Unfinished(op.state)) return OperationRunning(op);
      // Its purge is what remains to cancel: the answer is that purge.
      // Only this delete's own, the one run after it; an older delete
      // (restored since) has nothing left to cancel, whatever the
      // workspace's state now.
      WS_ASSIGN_OR_RETURN(const auto after, tx.ListRunsForWorkspace(op.workspace_id, {op.id, 2}));
      if (after.size() != 1 || after[0].kind != OperationKind::kPurge) {
        return Conflict(
            "this delete's purge is no longer waiting (the workspace was restored "
            "since); nothing of it is left to cancel");
      }
      return RestoreInTx(tx, actor, d_.random, d_.clock, out.workspace, out.operation, restore,
                         "cancel");
    }
    case OperationKind::kRestore:
      return Conflict("a restore is done at once and cannot be cancelled");
    case OperationKind::kCreate:
    case OperationKind::kRetry:
      break;
  }
  WS_RETURN_IF_ERROR(RequireNotFrozen(out.workspace));
  if (op.state != RunState::kPending && op.state != RunState::kRunning) {
    return Conflict("the operation's state is " + std::string(model::ToString(op.state)) +
                    "; only a pending or running provisioning can be cancelled");
  }
  // A worker inside a step: it records the step, or loses its lease.
  if (!op.lease_owner.empty() && op.lease_expires_at > now) return OperationRunning(op);
  const std::int64_t fence = op.lease_version;
  const std::string why = "provisioning was cancelled by " + actor.subject;
  // The current step may have done part of its work (an external effect
  // before a crash): it is compensated too, idempotently.
  if (op.current_step >= 0 && op.current_step < static_cast<int>(op.steps.size())) {
    auto& ps = op.steps[op.current_step];
    ps.state = model::StepState::kFailed;
    ps.finished_at = now;
    if (ps.started_at == 0) ps.started_at = now;
    ps.last_error = "cancelled";
    ps.last_error_code = "cancelled";
  }
  op.state = RunState::kCompensating;
  op.error = why;
  op.error_code = "cancelled";
  op.next_attempt_at = op.updated_at = now;
  op.lease_owner.clear();
  op.lease_expires_at = 0;
  op.lease_version = fence + 1;
  WS_RETURN_IF_ERROR(tx.UpdateRun(op, fence));
  model::AuditEvent e = AuditEventBy(actor, now, "provisioning.run.cancelled", "provisioning_run",
                                     op.id, op.workspace_id);
  e.details = json::serialize(json::object{
      {"step", op.current_step >= 0 && op.current_step < static_cast<int>(op.steps.size())
                   ? json::value(op.steps[op.current_step].name)
                   : json::value(nullptr)}});
  WS_RETURN_IF_ERROR(tx.AppendAudit(e));
  out.operation = op;
  wake = true;
  return Status::Ok();
}

}  // namespace workspaced::domain
