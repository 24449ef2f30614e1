// The operations that change workspaces: create, update, retry a failed
// provisioning run, freeze/unfreeze, and replace the group mappings.
//
// Each is one write transaction that checks its rules (workspace_rules.h:
// not frozen, version + 1), changes the data, derives the relationships the
// change implies (model/relationships.h), appends the audit event, and
// starts saga runs (saga/runs.h); the engine is woken once it commits.
// Callers (the HTTP handlers, the CLI) authorize, parse and render; they
// repeat none of this.
//
// Failure: kNotFound (workspace, run or account absent), kLocked (frozen),
// kConflict (state does not allow it, slug taken), kStaleVersion (the
// caller's precondition), kUnavailable / kInternal from the store.
//
// Thread-safety: safe from any thread; the engine may be null (no wake).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/random.h"
#include "common/status.h"
#include "domain/actor.h"
#include "model/model.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::saga {
class Engine;
}

namespace workspaced::domain {

// A new workspace as a client asks for it (validated by the caller's parser).
struct NewWorkspace {
  std::string account_id;
  std::string name;
  std::string region;
  std::optional<std::string> slug;  // absent: generated from the name
  std::map<std::string, std::string> labels;
  model::TenancyModel tenancy_model = model::TenancyModel::kDedicated;
  std::string runtime_generation;
  std::vector<model::GroupMapping> group_mappings;
  bool deletion_protection = false;
};

// A change to a workspace's mutable fields, as a JSON merge patch (RFC 7396)
// asks for it (validated by the caller's parser against workspace_fields.h):
// an absent field stays as it is.
struct WorkspacePatch {
  std::optional<std::string> name;
  std::optional<std::string> slug;  // must be free in the account
  // Applied after clear_labels: a key to its new value, or to nullopt to
  // remove it.
  bool clear_labels = false;
  std::map<std::string, std::optional<std::string>> labels;
  std::optional<std::string> runtime_generation;  // "": none
  std::optional<bool> deletion_protection;
};

// A provisioning run started for a workspace (create or retry).
struct Accepted {
  model::Workspace workspace;
  std::string run_id;
};

// Called inside the operation's transaction with its result, so that what
// the caller records (an idempotent response) commits with the change.
using RecordInTx = FunctionRef<Status(store::Tx&, const Accepted&)>;

// Checked inside the transaction against the workspace as stored (If-Match);
// a non-OK status aborts the change.
using Precondition = std::function<Status(const model::Workspace&)>;

struct WorkspaceDeps {
  store::Store& store;
  const Clock& clock;
  Random& random;
  const saga::Failpoints& failpoints;
  saga::Engine* engine = nullptr;
};

// What a lifecycle operation answers: the workspace after it, and the
// operation it started or made (delete, restore) or changed (cancel).
struct LifecycleResult {
  model::Workspace workspace;
  model::ProvisioningRun operation;
};

// Called inside a lifecycle operation's transaction with its result (as
// RecordInTx: an idempotent response commits with the change).
using LifecycleRecordInTx = FunctionRef<Status(store::Tx&, const LifecycleResult&)>;
inline constexpr auto kNoLifecycleRecord = [](store::Tx&, const LifecycleResult&) {
  return Status::Ok();
};

// What an export begins with: the workspace, and the audit position its own
// `workspace.export` event took (the export covers the log up to there).
struct ExportStart {
  model::Workspace workspace;
  std::int64_t last_seq = 0;
};

class Workspaces {
 public:
  explicit Workspaces(WorkspaceDeps deps) : d_(deps) {}

  // Inserts the workspace (provisioning, phase created) and its first run,
  // within the account's quotas (quotas.h: kConflict, quota-exceeded).
  StatusOr<Accepted> Create(const Actor& actor, const NewWorkspace& request, RecordInTx record);
  // Starts a new run for the workspace of the failed run `run_id` (the
  // latest of its workspace).
  StatusOr<Accepted> RetryRun(const Actor& actor, const std::string& run_id, RecordInTx record);
  // active → frozen (with `reason`) or frozen → active.
  StatusOr<model::Workspace> SetStatus(const Actor& actor, const std::string& id,
                                       model::WorkspaceStatus to, const std::string& reason,
                                       const Precondition& precondition);
  // Applies `patch` to the workspace. A patch that changes nothing answers
  // the workspace as it is (no new version, no audit event); otherwise one
  // new version, audited as workspace.update with the changed fields before
  // and after. Allowed in every status but frozen. kUnprocessable when the
  // labels would exceed their limit, kConflict when the slug is taken.
  StatusOr<model::Workspace> Update(const Actor& actor, const std::string& id,
                                    const WorkspacePatch& patch, const Precondition& precondition);
  // Replaces the group mappings; once provisioning has written the
  // relationships, the relationships follow (the difference, in the same
  // transaction).
  StatusOr<model::Workspace> PutGroupMappings(const Actor& actor, const std::string& id,
                                              const std::vector<model::GroupMapping>& mappings,
                                              const Precondition& precondition);
  // ---- the lifecycle (workspace_lifecycle.cc, docs/lifecycle.md) ----

  // active or error → deleting, and a delete operation that makes it
  // deleted and schedules the purge after the retention window. Refused:
  // kLocked while frozen; kConflict while being deleted or deleted, while
  // another operation runs (OperationRunning), with deletion protection on,
  // and while a pillar holds data unless `force` (the caller checked that
  // a forcing caller administers the account).
  StatusOr<LifecycleResult> Delete(const Actor& actor, const std::string& id, bool force,
                                   const Precondition& precondition);
  // deleted → the status it had (active, or error), exactly as it was:
  // the pending purge is cancelled and a restore operation recorded.
  // kConflict unless deleted with its purge still waiting for its window;
  // kNotFound once purged.
  StatusOr<LifecycleResult> Restore(const Actor& actor, const std::string& id,
                                    LifecycleRecordInTx record = kNoLifecycleRecord);
  // Cancels the operation where that is safe: a pending purge, or a delete
  // whose purge is pending (= Restore); a create or retry not held by a
  // worker (compensates what it did; the workspace ends in error). Else
  // kConflict (finished, past its point of no return, a worker busy with it:
  // Retry-After); kLocked while frozen.
  StatusOr<LifecycleResult> CancelOperation(const Actor& actor, const std::string& operation_id,
                                            LifecycleRecordInTx record = kNoLifecycleRecord);

  // Audits an export (`format`: json, ndjson, csv) before it streams. Allowed
  // while frozen: an export changes nothing.
  StatusOr<ExportStart> StartExport(const Actor& actor, const std::string& id,
                                    std::string_view format);

 private:
  StatusOr<std::string> ChooseSlug(store::Tx& tx, const NewWorkspace& request);
  // CancelOperation's change, in `tx`; `wake` when the engine has work.
  Status CancelInTx(store::Tx& tx, const Actor& actor, const std::string& operation_id,
                    LifecycleResult& out, bool& wake);
  void WakeEngine();

  WorkspaceDeps d_;
};

}  // namespace workspaced::domain
