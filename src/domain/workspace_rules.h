// The rules every change to a workspace obeys, applied inside the change's
// own write transaction (so a freeze committed a moment earlier is never
// missed):
//   - a deleted workspace refuses every change but its restore;
//   - a frozen workspace refuses every change but unfreezing (kLocked, with
//     the reason it was frozen);
//   - a change to the workspace row raises its version by one and stamps
//     updated_at and updated_by (the ETag and listing caches rely on it).
// Every operation of this folder goes through these; nothing else writes a
// workspace.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/actor.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::domain {

// "the workspace is <status>", in words ("in error" for error).
std::string WorkspaceIs(model::WorkspaceStatus status);

// kLocked when `ws` is frozen.
Status RequireNotFrozen(const model::Workspace& ws);

// kConflict while the workspace is being deleted or deleted (a restore
// brings it back; the detail ends "restore it (...) <to>"), kNotFound once
// purged. Changes need it, and so do the reads that use what a workspace
// holds (a reveal, a detokenize): a deleted workspace's data is kept for a
// restore, not served.
Status RequireNotDeleted(const model::Workspace& ws, std::string_view to = "to make changes");

// The workspace to change: kNotFound when absent or purged, kConflict
// while deleting or deleted, kLocked when frozen.
StatusOr<model::Workspace> LoadForChange(store::Tx& tx, std::string_view workspace_id);

// A lifecycle change (delete, restore, cancel) waits for the one running:
// kConflict naming the running operation (OperationRunning) while the
// workspace's latest operation is unfinished — a purge waiting for its
// window excepted.
Status RequireNoOperationRunning(store::Tx& tx, std::string_view workspace_id);
// 409, problem type operation-in-progress, with `operation_id` and
// Retry-After.
Status OperationRunning(const model::ProvisioningRun& op);

// Whether provisioning has written the workspace's relationships (from then
// on, changes to group mappings or trusted issuers change relationships too).
bool RelationshipsWritten(const model::Workspace& ws);

// Makes the workspace's group relationships (workspace#role@group#member)
// exactly those that `mappings` under the account's `issuers` name: writes
// the missing ones and deletes every other — one left by an issuer or a
// mapping no longer there included. Changes of mappings and of trusted
// issuers, and a restore, go through it, so none depends on the rows being
// what the previous change meant to leave.
Status SyncGroupRelationships(store::Tx& tx, std::string_view workspace_id,
                              const std::vector<model::GroupMapping>& mappings,
                              const std::vector<model::TrustedIssuer>& issuers);

// Writes `ws` (as changed by the caller) as the next version by `actor`.
Status SaveChange(store::Tx& tx, model::Workspace& ws, const Actor& actor, Micros now);

}  // namespace workspaced::domain
