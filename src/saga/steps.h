// The provisioning saga's steps, in order, each idempotent and each with a
// compensation (docs/provisioning.md):
//
//   bind_account         confirms the parent account     → account_binded
//   configure_account    the creator becomes an admin    → account_configured
//   create_environments  dev, staging, prod
//   provision_dataplane  the workspace's isolated store in its region's cell
//   write_relationships  authorization relationships     → workspace_configured
//   activate             status active                   → ready
//
// A step has up to two parts: an effect outside the database (External,
// e.g. files of the dataplane), run first, and an effect inside the database
// (Apply), run in the same transaction that records the step as succeeded, so
// a crash never separates a database effect from its record. Both must be
// idempotent: after a crash between External and the record, the step runs
// again. Compensations undo them, External part last.
//
// Errors: a step's Status is retryable when IsRetryable says so (the
// dependency may come back); anything else compensates at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "dataplane/dataplane.h"
#include "model/model.h"
#include "store/store.h"

namespace workspaced::saga {

// What a step may use besides the transaction.
struct StepEnv {
  const Clock& clock;
  Random& random;
};

class Step {
 public:
  virtual ~Step() = default;
  virtual std::string_view name() const = 0;

  virtual bool has_external() const { return false; }
  // The effect outside the database. Runs before Apply; idempotent.
  virtual Status External(const model::Workspace& /*ws*/) { return Status::Ok(); }
  // The effect inside the database. May change `ws` (phase, status): the
  // engine writes it back with the step's record.
  virtual Status Apply(store::Tx& tx, model::Workspace& ws, StepEnv& env) = 0;

  // Undo Apply, in the transaction that records the compensation.
  virtual Status CompensateTx(store::Tx& /*tx*/, model::Workspace& /*ws*/) { return Status::Ok(); }
  // Undo External; runs before CompensateTx. Idempotent.
  virtual Status CompensateExternal(const model::Workspace& /*ws*/) { return Status::Ok(); }
};

// Every provisioning step, in order. `dataplane` must outlive the steps.
std::vector<std::unique_ptr<Step>> MakeProvisioningSteps(dataplane::Dataplane& dataplane);

// The lifecycle's other operations (docs/lifecycle.md):
//   delete  mark_deleted          deleting → deleted; schedules the purge
//                                 `retention` later
//   purge   drop_dataplane        the dataplane and the pillar items, a
//                                 batch per transaction (External)
//           remove_relationships  every relationship of the workspace and
//                                 its environments, through the outbox
//           remove_environments
//           remove_memberships
//           seal_workspace        status purged, a tombstone holding no
//                                 user data, its slug freed; the engine
//                                 then seals the audit chain
// Neither compensates: a delete only flips a status, and a purge is past
// its point of no return once claimed; both are retried until they succeed.
struct LifecycleOptions {
  Micros retention = Micros{7} * 86'400'000'000;  // deleted → purged
};
// Every step of every kind (the engine finds a run's steps by name).
// `store` (the engine's) is where drop_dataplane's External deletes items.
std::vector<std::unique_ptr<Step>> MakeSteps(dataplane::Dataplane& dataplane, store::Store& store,
                                             const LifecycleOptions& options);
// The step names of an operation of `kind`, in order.
const std::vector<std::string>& StepNamesOf(model::OperationKind kind);
// Whether a failed run of `kind` compensates (create, retry) rather than
// being retried until it succeeds (delete, purge).
bool Compensable(model::OperationKind kind);

// Inserts a pending operation of `kind` (not create or retry: those are
// StartProvisioningRun's) inside the caller's write transaction, claimable
// from `not_before`; returns its id.
StatusOr<std::string> StartOperation(store::Tx& tx, Random& random, const Clock& clock,
                                     model::OperationKind kind, std::string workspace_id,
                                     std::string started_by, Micros not_before);

// The step names, in order (what a new run lists).
const std::vector<std::string>& ProvisioningStepNames();

// A new run of every step, all pending, claimable at once.
model::ProvisioningRun NewProvisioningRun(std::string id, std::string workspace_id,
                                          std::string created_by, std::string retry_of, Micros now);

// Starts provisioning `workspace_id`: inserts a new run inside the caller's
// write transaction (so the run exists iff the change that asks for it
// commits) and returns its id. After the commit, Engine::Wake makes a worker
// look at once.
StatusOr<std::string> StartProvisioningRun(store::Tx& tx, Random& random, const Clock& clock,
                                           std::string workspace_id, std::string started_by,
                                           std::string retry_of);

// A non-retryable step failure (compensate at once).
Status Fatal(std::string message);
// Unavailable, deadline, conflict and internal errors are worth retrying;
// the rest (not found, invalid, precondition…) will not heal by waiting.
bool IsRetryable(const Status& s);

}  // namespace workspaced::saga
