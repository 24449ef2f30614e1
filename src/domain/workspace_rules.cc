#include "domain/workspace_rules.h"

namespace workspaced::domain {

Status RequireNotFrozen(const model::Workspace& ws) {
  if (ws.status != model::WorkspaceStatus::kFrozen) return Status::Ok();
  std::string detail = "the workspace is frozen";
  if (!ws.status_reason.empty()) detail += ": " + ws.status_reason;
  return Status(Code::kFrozen, detail + "; unfreeze it to make changes");
}

StatusOr<model::Workspace> LoadForChange(store::Tx& tx, std::string_view workspace_id) {
  WS_ASSIGN_OR_RETURN(model::Workspace ws, tx.GetWorkspace(workspace_id));
  WS_RETURN_IF_ERROR(RequireNotFrozen(ws));
  return ws;
}

Status SaveChange(store::Tx& tx, model::Workspace& ws, const Actor& actor, Micros now) {
  ws.version += 1;
  ws.updated_at = now;
  ws.updated_by = actor.subject;
  return tx.UpdateWorkspace(ws);
}

}  // namespace workspaced::domain
