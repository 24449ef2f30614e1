// Steps 2 and 3 of the pillar protocol (docs/pillars.md) and the read-side
// resolution of a pending row, for a pillar that gives its dataplane's
// commit and discard of one operation. Secrets and the data vault use it
// (domain/secrets.cc, domain/vault.cc).
//
// Thread-safety: safe from any thread (holds references only).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/status.h"
#include "model/model.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::domain {

// A change needs an active workspace: kFrozen while frozen, kConflict in
// any other state but active (`what` names the pillar in the message).
Status RequireActiveFor(const model::Workspace& ws, std::string_view what);

class PillarProtocol {
 public:
  using OpFn = FunctionRef<Status(std::string_view operation_id)>;
  // A rule of step 2, run in its transaction with the workspace as read
  // there (a quota: domain/quotas.h); its failure refuses the change.
  using RuleFn = FunctionRef<Status(store::Tx& tx, const model::Workspace& current)>;
  PillarProtocol(store::Store& store, const Clock& clock, const saga::Failpoints& failpoints,
                 std::string pillar)
      : store_(store), clock_(clock), failpoints_(failpoints), pillar_(std::move(pillar)) {}

  // Step 2 (the workspace active, `rule`, the outcome, `audit`, in one
  // transaction) then step 3 (`commit`). A refusal that certainly did not
  // commit `discard`s at once. Crashes at failpoint
  // `<pillar>_after_commit_record` when asked.
  Status Finish(const model::Workspace& ws, const std::string& operation_id,
                model::AuditEvent audit, RuleFn rule, OpFn commit, OpFn discard);
  // Resolves the pending operation written at `created_at`: true when it is
  // (now) committed. Without an outcome it stays hidden while younger than
  // `bound`, and is recorded aborted and discarded after.
  StatusOr<bool> Resolve(const model::Workspace& ws, const std::string& operation_id,
                         Micros created_at, Micros bound, OpFn commit, OpFn discard);
  // The workspace as the control plane holds it; with `data_key`, also its
  // wrapped data key (DataKeys::ReadInTx), in the same transaction.
  StatusOr<model::Workspace> ReadWorkspace(const std::string& workspace_id,
                                           std::optional<std::string>* data_key = nullptr) const;
  // Calls `visit` with every workspace that holds a data key (the pillars'
  // sweeps), read 100 keys at a time in id order; a workspace that cannot be
  // read is skipped until the next sweep. Fails only when the keys cannot
  // be listed.
  Status ForEachKeyedWorkspace(FunctionRef<void(const model::Workspace&)> visit) const;
  // Dies (SIGKILL) when failpoint `<pillar>_<step>` says crash (tests).
  void MaybeCrash(std::string_view step) const;

 private:
  store::Store& store_;
  const Clock& clock_;
  const saga::Failpoints& failpoints_;
  const std::string pillar_;
};

}  // namespace workspaced::domain
