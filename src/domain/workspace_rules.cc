#include "domain/workspace_rules.h"

#include <algorithm>

#include "model/relationships.h"

namespace workspaced::domain {

std::string WorkspaceIs(model::WorkspaceStatus status) {
  return status == model::WorkspaceStatus::kError
             ? std::string("the workspace is in error")
             : "the workspace is " + std::string(model::ToString(status));
}

Status RequireNotFrozen(const model::Workspace& ws) {
  if (ws.status != model::WorkspaceStatus::kFrozen) return Status::Ok();
  std::string detail = "the workspace is frozen";
  if (!ws.status_reason.empty()) detail += ": " + ws.status_reason;
  return Status(Code::kFrozen, detail + "; unfreeze it to make changes");
}

Status RequireNotDeleted(const model::Workspace& ws, std::string_view to) {
  switch (ws.status) {
    case model::WorkspaceStatus::kPurged:
      return NotFound("workspace not found");
    case model::WorkspaceStatus::kDeleting:
    case model::WorkspaceStatus::kDeleted:
      return Conflict(WorkspaceIs(ws.status) + "; restore it (POST /v1/workspaces/" + ws.id +
                      "/restore) " + std::string(to));
    default:
      return Status::Ok();
  }
}

StatusOr<model::Workspace> LoadForChange(store::Tx& tx, std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(model::Workspace ws, tx.GetWorkspace(workspace_id));
  WS_RETURN_IF_ERROR(RequireNotDeleted(ws));
  WS_RETURN_IF_ERROR(RequireNotFrozen(ws));
  return ws;
}

Status RequireNoOperationRunning(store::Tx& tx, std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(const auto latest, tx.LatestRunForWorkspace(workspace_id));
  if (!latest) return Status::Ok();
  const model::RunState s = latest->state;
  const bool running = s == model::RunState::kPending || s == model::RunState::kRunning ||
                       s == model::RunState::kCompensating;
  // A purge waiting for its window is the deleted workspace's state, not a
  // change in progress (a restore cancels it).
  if (!running || (latest->kind == model::OperationKind::kPurge && s == model::RunState::kPending))
    return Status::Ok();
  return OperationRunning(*latest);
}

Status OperationRunning(const model::ProvisioningRun& op) {
  return Conflict("the " + std::string(model::ToString(op.kind)) + " operation " + op.id + " is " +
                  std::string(model::ToString(op.state)) +
                  " on this workspace; try again once it has finished")
      .WithProblemType("operation-in-progress", "Operation In Progress")
      .WithMember("operation_id", "\"" + op.id + "\"")
      .WithRetryAfter(1);
}

bool RelationshipsWritten(const model::Workspace& ws) {
  return ws.phase == model::ProvisioningPhase::kWorkspaceConfigured ||
         ws.phase == model::ProvisioningPhase::kReady;
}

Status SyncGroupRelationships(store::Tx& tx, std::string_view workspace_id,
                              const std::vector<model::GroupMapping>& mappings,
                              const std::vector<model::TrustedIssuer>& issuers) {
  std::vector<model::Relationship> want =
      model::GroupMappingRelationships(workspace_id, mappings, issuers);
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  WS_ASSIGN_OR_RETURN(std::vector<model::Relationship> have,
                      tx.ListRelationshipsForResource("workspace", workspace_id));
  std::erase_if(have, [](const model::Relationship& r) { return r.subject_type != "group"; });
  std::sort(have.begin(), have.end());
  std::vector<model::Relationship> gone, added;
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(gone));
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                      std::back_inserter(added));
  if (!gone.empty()) WS_RETURN_IF_ERROR(tx.DeleteRelationships(gone));
  if (!added.empty()) WS_RETURN_IF_ERROR(tx.TouchRelationships(added));
  return Status::Ok();
}

Status SaveChange(store::Tx& tx, model::Workspace& ws, const Actor& actor, Micros now) {
  ws.version += 1;
  ws.updated_at = now;
  ws.updated_by = actor.subject;
  return tx.UpdateWorkspace(ws);
}

}  // namespace workspaced::domain
