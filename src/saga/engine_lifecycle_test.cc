// The lifecycle after creation on a real store (SQLite, and PostgreSQL as
// Postgres.*): delete → deleted → purged after the retention window, a
// restore within it that brings the workspace back exactly, the refusals,
// cancelling operations, and the purge's retries. Time is the manual
// clock's: the window ends when the test moves the clock.
#include <gtest/gtest.h>

#include <set>

#include "domain/workspaces.h"
#include "saga/engine.h"
#include "saga/engine_test_fixture.h"

namespace workspaced::saga {
namespace {

using model::OperationKind;
using model::RunState;
using model::WorkspaceStatus;
using testing::kAccount;
using testing::kCreator;

constexpr Micros kWindow = Micros{3600} * 1'000'000;  // one hour

class Lifecycle : public testing::EngineTest {
 protected:
  std::unique_ptr<Engine> MakeLifecycleEngine(const std::string& failpoints = "") {
    auto fp = Failpoints::Parse(failpoints);
    EXPECT_TRUE(fp.ok());
    return std::make_unique<Engine>(Options(), *store_,
                                    MakeSteps(*dataplane_, *store_, {.retention = kWindow}), clock_,
                                    *random_, std::move(*fp));
  }
  domain::Workspaces Domain() {
    return domain::Workspaces({*store_, clock_, *random_, failpoints_, nullptr});
  }
  // A provisioned workspace (active, its environments, dataplane and
  // relationships written).
  model::Workspace Ready(Engine& engine, const std::string& name) {
    auto [ws, run_id] = Create(name);
    EXPECT_EQ(Drive(engine, run_id).state, RunState::kSucceeded);
    return Inspect(ws.id).ws;
  }
  // What a restore must bring back.
  struct Snapshot {
    model::Workspace ws;
    std::vector<model::Environment> envs;
    std::vector<model::WorkspaceMember> members;
    std::vector<model::Relationship> rels;
  };
  Snapshot Snap(const std::string& id) {
    Snapshot s;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(s.ws, tx.GetWorkspace(id));
                      WS_ASSIGN_OR_RETURN(s.envs, tx.ListEnvironments(id));
                      WS_ASSIGN_OR_RETURN(s.members, tx.ListWorkspaceMembers(id));
                      WS_ASSIGN_OR_RETURN(s.rels, tx.ListRelationshipsForResource("workspace", id));
                      for (const auto& e : s.envs) {
                        WS_ASSIGN_OR_RETURN(auto more,
                                            tx.ListRelationshipsForResource("environment", e.id));
                        s.rels.insert(s.rels.end(), more.begin(), more.end());
                      }
                      return Status::Ok();
                    })
                    .ok());
    return s;
  }
  std::optional<model::ProvisioningRun> Latest(const std::string& ws_id) {
    std::optional<model::ProvisioningRun> run;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(run, tx.LatestRunForWorkspace(ws_id));
                      return Status::Ok();
                    })
                    .ok());
    return run;
  }

  Failpoints failpoints_;
  const domain::Actor alice_{.subject = kCreator, .auth = "dev", .request_id = "req_test"};
};

TEST_F(Lifecycle, ADeleteIsPurgedOnlyAfterTheWindowWithEverythingGoneButTheSealedChain) {
  auto engine = MakeLifecycleEngine();
  const model::Workspace ws = Ready(*engine, "doomed");
  auto domain = Domain();
  const auto deleted = domain.Delete(alice_, ws.id, false, nullptr);
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(deleted->workspace.status, WorkspaceStatus::kDeleting);
  EXPECT_EQ(deleted->operation.kind, OperationKind::kDelete);

  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Run(deleted->operation.id).state, RunState::kSucceeded);
  const auto purge = Latest(ws.id);
  ASSERT_TRUE(purge);
  EXPECT_EQ(purge->kind, OperationKind::kPurge);
  EXPECT_EQ(purge->state, RunState::kPending);
  EXPECT_EQ(purge->next_attempt_at, clock_.Now() + kWindow);
  Built kept = Inspect(ws.id);
  EXPECT_EQ(kept.ws.status, WorkspaceStatus::kDeleted);
  EXPECT_TRUE(kept.dataplane) << "a deleted workspace keeps its dataplane";
  EXPECT_EQ(kept.environments, 3u);

  clock_.Advance(kWindow - 1);
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Run(purge->id).state, RunState::kPending) << "not before the window ends";

  clock_.Advance(1);
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Run(purge->id).state, RunState::kSucceeded);
  const Built gone = Inspect(ws.id);
  EXPECT_EQ(gone.ws.status, WorkspaceStatus::kPurged);
  EXPECT_FALSE(gone.dataplane);
  EXPECT_EQ(gone.environments, 0u);
  EXPECT_EQ(gone.relationships, 0u);
  EXPECT_FALSE(gone.creator_role);
  EXPECT_TRUE(gone.ws.name.empty());
  EXPECT_TRUE(gone.ws.labels.empty());
  EXPECT_TRUE(gone.ws.group_mappings.empty());
  ASSERT_FALSE(gone.audit_actions.empty());
  EXPECT_EQ(gone.audit_actions.back(), "workspace.purged") << "the chain ends sealed";
  for (const auto& step : StepNamesOf(OperationKind::kPurge))
    EXPECT_EQ(gone.Events("purge.step.succeeded", step), 1) << step;
  // The slug is free again.
  bool taken = true;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(taken, tx.SlugTaken(kAccount, ws.slug));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(taken);
}

TEST_F(Lifecycle, TheRelationshipsAPurgeRemovesGoThroughTheOutbox) {
  auto engine = MakeLifecycleEngine();
  const model::Workspace ws = Ready(*engine, "outboxed");
  const Snapshot before = Snap(ws.id);
  ASSERT_FALSE(before.rels.empty());
  std::int64_t seq = 0;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(seq, tx.LatestRelationshipChange());
                    return Status::Ok();
                  })
                  .ok());
  auto domain = Domain();
  ASSERT_TRUE(domain.Delete(alice_, ws.id, false, nullptr).ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  clock_.Advance(kWindow);
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  std::vector<store::RelationshipChange> changes;
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(changes, tx.ListRelationshipChanges(seq, 1000));
                    return Status::Ok();
                  })
                  .ok());
  std::set<model::Relationship> deleted;
  for (const auto& c : changes) {
    EXPECT_FALSE(c.touch);
    deleted.insert(c.rel);
  }
  EXPECT_EQ(deleted, std::set<model::Relationship>(before.rels.begin(), before.rels.end()));
}

TEST_F(Lifecycle, ARestoreWithinTheWindowBringsTheWorkspaceBackExactly) {
  auto engine = MakeLifecycleEngine();
  const model::Workspace ws = Ready(*engine, "kept");
  const Snapshot before = Snap(ws.id);
  auto domain = Domain();
  ASSERT_TRUE(domain.Delete(alice_, ws.id, false, nullptr).ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  const auto purge = Latest(ws.id);
  ASSERT_TRUE(purge);

  clock_.Advance(kWindow - 1);
  const auto restored = domain.Restore(alice_, ws.id);
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ(restored->operation.kind, OperationKind::kRestore);
  EXPECT_EQ(restored->operation.state, RunState::kSucceeded);
  EXPECT_EQ(Run(purge->id).state, RunState::kCancelled);

  const Snapshot after = Snap(ws.id);
  model::Workspace expected = before.ws;
  expected.version = after.ws.version;
  expected.updated_at = after.ws.updated_at;
  expected.updated_by = after.ws.updated_by;
  EXPECT_EQ(after.ws.status, WorkspaceStatus::kActive);
  EXPECT_EQ(after.ws.name, expected.name);
  EXPECT_EQ(after.ws.slug, expected.slug);
  EXPECT_EQ(after.ws.labels, expected.labels);
  EXPECT_EQ(after.ws.group_mappings, expected.group_mappings);
  EXPECT_EQ(after.ws.phase, expected.phase);
  EXPECT_EQ(after.ws.deletion_protection, expected.deletion_protection);
  EXPECT_EQ(after.envs.size(), before.envs.size());
  for (std::size_t i = 0; i < after.envs.size() && i < before.envs.size(); ++i)
    EXPECT_EQ(after.envs[i].id, before.envs[i].id);
  EXPECT_EQ(after.members.size(), before.members.size());
  EXPECT_EQ(after.rels, before.rels);
  EXPECT_TRUE(Inspect(ws.id).dataplane);

  clock_.Advance(2 * kWindow);
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Inspect(ws.id).ws.status, WorkspaceStatus::kActive) << "the purge never runs";
  EXPECT_TRUE(domain.Delete(alice_, ws.id, false, nullptr).ok()) << "and it can be deleted again";
}

TEST_F(Lifecycle, AfterTheWindowARestoreIsRefusedAndPurgedIsNotFound) {
  auto engine = MakeLifecycleEngine();
  const model::Workspace ws = Ready(*engine, "late");
  auto domain = Domain();
  ASSERT_TRUE(domain.Delete(alice_, ws.id, false, nullptr).ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  clock_.Advance(kWindow);
  EXPECT_EQ(domain.Restore(alice_, ws.id).status().code(), Code::kConflict)
      << "the window has ended, though no worker has purged it yet";
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(domain.Restore(alice_, ws.id).status().code(), Code::kNotFound);
  EXPECT_EQ(domain.Delete(alice_, ws.id, false, nullptr).status().code(), Code::kNotFound);
  EXPECT_EQ(domain.Update(alice_, ws.id, {.name = "x"}, nullptr).status().code(), Code::kNotFound);
}

TEST_F(Lifecycle, DeleteRefusesProtectionFrozenARunningOperationAndADeletedWorkspace) {
  auto engine = MakeLifecycleEngine();
  const model::Workspace ws = Ready(*engine, "guarded");
  auto domain = Domain();
  ASSERT_TRUE(domain.Update(alice_, ws.id, {.deletion_protection = true}, nullptr).ok());
  const auto protected_ = domain.Delete(alice_, ws.id, false, nullptr);
  EXPECT_EQ(protected_.status().code(), Code::kConflict);
  EXPECT_NE(protected_.status().message().find("deletion protection"), std::string::npos);
  ASSERT_TRUE(domain.Update(alice_, ws.id, {.deletion_protection = false}, nullptr).ok());

  ASSERT_TRUE(domain.SetStatus(alice_, ws.id, WorkspaceStatus::kFrozen, "hold", nullptr).ok());
  EXPECT_EQ(domain.Delete(alice_, ws.id, false, nullptr).status().code(), Code::kFrozen);
  ASSERT_TRUE(domain.SetStatus(alice_, ws.id, WorkspaceStatus::kActive, "", nullptr).ok());

  const auto first = domain.Delete(alice_, ws.id, false, nullptr);
  ASSERT_TRUE(first.ok());
  // The delete operation has not run yet: a second change names it.
  const auto second = domain.Delete(alice_, ws.id, false, nullptr);
  ASSERT_EQ(second.status().code(), Code::kConflict);
  EXPECT_EQ(second.status().retry_after(), 1);
  ASSERT_NE(second.status().extension(), nullptr);
  EXPECT_NE(second.status().message().find(first->operation.id), std::string::npos);
  EXPECT_EQ(domain.Restore(alice_, ws.id).status().code(), Code::kConflict);

  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(domain.Delete(alice_, ws.id, false, nullptr).status().code(), Code::kConflict);
  EXPECT_EQ(domain.Update(alice_, ws.id, {.name = "renamed"}, nullptr).status().code(),
            Code::kConflict)
      << "a deleted workspace refuses changes";
  EXPECT_EQ(domain.SetStatus(alice_, ws.id, WorkspaceStatus::kFrozen, "x", nullptr).status().code(),
            Code::kConflict);
}

TEST_F(Lifecycle, CancellingAPendingPurgeOrItsDeleteRestoresTheWorkspace) {
  auto engine = MakeLifecycleEngine();
  auto domain = Domain();
  for (const bool via_delete : {false, true}) {
    const model::Workspace ws = Ready(*engine, via_delete ? "via-delete" : "via-purge");
    const auto deleted = domain.Delete(alice_, ws.id, false, nullptr);
    ASSERT_TRUE(deleted.ok());
    ASSERT_TRUE(engine->RunUntilIdle().ok());
    const auto purge = Latest(ws.id);
    ASSERT_TRUE(purge);
    const auto cancelled =
        domain.CancelOperation(alice_, via_delete ? deleted->operation.id : purge->id);
    ASSERT_TRUE(cancelled.ok()) << cancelled.status().message();
    EXPECT_EQ(cancelled->operation.id, purge->id);
    EXPECT_EQ(cancelled->operation.state, RunState::kCancelled);
    EXPECT_EQ(cancelled->workspace.status, WorkspaceStatus::kActive);
    EXPECT_EQ(domain.CancelOperation(alice_, purge->id).status().code(), Code::kConflict);
  }
}

TEST_F(Lifecycle, CancellingAPendingCreateCompensatesAndLeavesTheWorkspaceInError) {
  auto engine = MakeLifecycleEngine("provision_dataplane=error");
  auto [ws, run_id] = Create("stuck");
  ASSERT_TRUE(engine->RunUntilIdle().ok());  // fails once, waits for its backoff
  ASSERT_EQ(Run(run_id).state, RunState::kRunning);
  auto domain = Domain();
  const auto cancelled = domain.CancelOperation(alice_, run_id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().message();
  EXPECT_EQ(cancelled->operation.state, RunState::kCompensating);
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  const auto done = Run(run_id);
  EXPECT_EQ(done.state, RunState::kFailed);
  EXPECT_EQ(done.error_code, "cancelled");
  const Built b = Inspect(ws.id);
  EXPECT_EQ(b.ws.status, WorkspaceStatus::kError);
  EXPECT_NE(b.ws.status_reason.find("cancelled"), std::string::npos);
  EXPECT_FALSE(b.dataplane);
  EXPECT_EQ(b.environments, 0u);
  EXPECT_EQ(domain.CancelOperation(alice_, run_id).status().code(), Code::kConflict)
      << "a failed run is past cancelling";
}

TEST_F(Lifecycle, APurgeStepThatFailsIsRetriedUntilItSucceedsNeverCompensated) {
  int k = 0;
  for (const auto& step : StepNamesOf(OperationKind::kPurge)) {
    SCOPED_TRACE(step);
    auto ok = MakeLifecycleEngine();
    const model::Workspace ws = Ready(*ok, "retried-" + std::to_string(++k));
    auto domain = Domain();
    ASSERT_TRUE(domain.Delete(alice_, ws.id, false, nullptr).ok());
    ASSERT_TRUE(ok->RunUntilIdle().ok());
    const auto purge = Latest(ws.id);
    ASSERT_TRUE(purge);
    clock_.Advance(kWindow);
    // Six failures, more than max_attempts (4): still never compensated.
    auto failing = MakeLifecycleEngine(step + "=error(6)");
    for (int i = 0; i < 10 && Run(purge->id).state != RunState::kSucceeded; ++i) {
      ASSERT_TRUE(failing->RunUntilIdle().ok());
      EXPECT_NE(Run(purge->id).state, RunState::kCompensating);
      clock_.Advance(60'000'000);
    }
    ASSERT_EQ(Run(purge->id).state, RunState::kSucceeded);
    const Built b = Inspect(ws.id);
    EXPECT_EQ(b.ws.status, WorkspaceStatus::kPurged);
    EXPECT_EQ(b.Events("purge.step.failed", step), 6);
    EXPECT_EQ(b.Events("purge.step.succeeded", step), 1);
    EXPECT_EQ(b.Events("workspace.purged"), 1);
  }
}

}  // namespace
}  // namespace workspaced::saga
