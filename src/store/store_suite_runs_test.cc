// Provisioning runs (fenced updates, leases, what is claimable) and
// Idempotency-Key records.
#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <thread>

#include "store/testing/store_suite.h"

namespace workspaced::store {
namespace {

using model::RunState;
using model::StepState;
using testing::Id;
using testing::kAcme;
using testing::MakeWorkspace;
using testing::StoreSuite;

model::ProvisioningRun MakeRun(const std::string& id, const std::string& ws, Micros due) {
  model::ProvisioningRun run;
  run.id = id;
  run.workspace_id = ws;
  run.created_by = "alice";
  run.created_at = run.updated_at = 100;
  run.next_attempt_at = due;
  for (const char* name : {"one", "two", "three"}) run.steps.push_back({.name = name});
  return run;
}

Status Put(Store& store, const model::ProvisioningRun& run) {
  return store.Write([&](Tx& tx) { return tx.InsertRun(run); });
}

StatusOr<model::ProvisioningRun> LoadRun(Store& store, const std::string& id) {
  model::ProvisioningRun run;
  WS_RETURN_IF_ERROR(store.Read([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(run, tx.GetRun(id));
    return Status::Ok();
  }));
  return run;
}

std::vector<std::string> Claimable(Store& store, Micros now, int limit = 10) {
  std::vector<std::string> ids;
  EXPECT_TRUE(store
                  .Read([&](Tx& tx) -> Status {
                    WS_ASSIGN_OR_RETURN(ids, tx.ListClaimableRuns(now, limit));
                    return Status::Ok();
                  })
                  .ok());
  return ids;
}

// Two workspaces for the runs to belong to.
Status TwoWorkspaces(Store& store) {
  return store.Write([](Tx& tx) -> Status {
    WS_RETURN_IF_ERROR(tx.InsertWorkspace(MakeWorkspace(Id(1), kAcme, "a")));
    return tx.InsertWorkspace(MakeWorkspace(Id(2), kAcme, "b"));
  });
}

TEST_P(StoreSuite, ARunRoundTripsWithEveryFieldAndItsStepsInOrder) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  auto run = MakeRun(Id(10), Id(1), 150);
  run.state = RunState::kRunning;
  run.current_step = 1;
  run.retry_of = Id(9);
  run.error = "boom";
  run.error_code = "internal";
  run.finished_at = 300;
  run.lease_owner = "host:1:ab";
  run.lease_expires_at = 400;
  run.lease_version = 7;
  run.steps[0] = {"one", StepState::kSucceeded, 2, "first try failed", 110, 120, "unavailable"};
  WS_ASSERT_OK(Put(*store_, run));
  const auto got = LoadRun(*store_, Id(10));
  WS_ASSERT_OK(got);
  EXPECT_EQ(got->workspace_id, Id(1));
  EXPECT_EQ(got->state, RunState::kRunning);
  EXPECT_EQ(got->current_step, 1);
  EXPECT_EQ(got->created_by, "alice");
  EXPECT_EQ(got->retry_of, Id(9));
  EXPECT_EQ(got->error, "boom");
  EXPECT_EQ(got->error_code, "internal");
  EXPECT_EQ(got->created_at, 100);
  EXPECT_EQ(got->updated_at, 100);
  EXPECT_EQ(got->finished_at, 300);
  EXPECT_EQ(got->next_attempt_at, 150);
  EXPECT_EQ(got->lease_owner, "host:1:ab");
  EXPECT_EQ(got->lease_expires_at, 400);
  EXPECT_EQ(got->lease_version, 7);
  ASSERT_EQ(got->steps.size(), 3u);
  EXPECT_EQ(got->steps[0].name, "one");
  EXPECT_EQ(got->steps[0].state, StepState::kSucceeded);
  EXPECT_EQ(got->steps[0].attempts, 2);
  EXPECT_EQ(got->steps[0].last_error, "first try failed");
  EXPECT_EQ(got->steps[0].started_at, 110);
  EXPECT_EQ(got->steps[0].finished_at, 120);
  EXPECT_EQ(got->steps[0].last_error_code, "unavailable");
  EXPECT_EQ(got->steps[2].name, "three");
  EXPECT_EQ(got->steps[2].state, StepState::kPending);
  WS_EXPECT_CODE(Put(*store_, run), Code::kConflict);
  WS_EXPECT_CODE(LoadRun(*store_, Id(11)).status(), Code::kNotFound);
  WS_EXPECT_CODE(Put(*store_, MakeRun(Id(12), Id(99), 0)), Code::kNotFound);  // no such workspace
}

TEST_P(StoreSuite, UpdatesAreFencedByTheLeaseVersion) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  WS_ASSERT_OK(Put(*store_, MakeRun(Id(10), Id(1), 0)));
  auto run = *LoadRun(*store_, Id(10));
  run.lease_owner = "a";
  run.lease_version = 1;
  run.state = RunState::kRunning;
  run.steps[1].attempts = 3;
  run.steps[1].last_error = "x";
  run.steps[1].last_error_code = "storage_full";
  run.error_code = "dataplane_failed";
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.UpdateRun(run, 0); }));
  auto stored = *LoadRun(*store_, Id(10));
  EXPECT_EQ(stored.lease_owner, "a");
  EXPECT_EQ(stored.lease_version, 1);
  EXPECT_EQ(stored.state, RunState::kRunning);
  EXPECT_EQ(stored.steps[1].attempts, 3);
  EXPECT_EQ(stored.steps[1].last_error, "x");
  EXPECT_EQ(stored.steps[1].last_error_code, "storage_full");
  EXPECT_EQ(stored.error_code, "dataplane_failed");

  // A writer still holding version 0 has lost the run: nothing changes.
  auto stale = run;
  stale.state = RunState::kFailed;
  stale.steps[1].attempts = 9;
  WS_EXPECT_CODE(Write([&](Tx& tx) { return tx.UpdateRun(stale, 0); }), Code::kConflict);
  stored = *LoadRun(*store_, Id(10));
  EXPECT_EQ(stored.state, RunState::kRunning);
  EXPECT_EQ(stored.steps[1].attempts, 3);
  WS_EXPECT_CODE(Write([&](Tx& tx) { return tx.ExtendLease(Id(10), 0, 999); }), Code::kConflict);
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.ExtendLease(Id(10), 1, 999); }));
  EXPECT_EQ(LoadRun(*store_, Id(10))->lease_expires_at, 999);
  auto absent = run;
  absent.id = Id(11);
  WS_EXPECT_CODE(Write([&](Tx& tx) { return tx.UpdateRun(absent, 1); }), Code::kNotFound);
}

TEST_P(StoreSuite, ARunBeingClaimedElsewhereIsSkippedNotWaitedOn) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  WS_ASSERT_OK(Put(*store_, MakeRun(Id(10), Id(1), 0)));
  WS_EXPECT_CODE(Write([](Tx& tx) { return tx.LockRunForClaim(Id(99)).status(); }),
                 Code::kNotFound);
  bool alone = false;
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(alone, tx.LockRunForClaim(Id(10)));
    return Status::Ok();
  }));
  EXPECT_TRUE(alone);
  if (GetParam().name == "Sqlite") return;  // one writer at a time: no one else to skip
  // Two writers at once (two replicas): the second skips the locked run.
  std::promise<void> locked, checked;
  std::optional<bool> second;
  std::thread first([&] {
    EXPECT_TRUE(Write([&](Tx& tx) -> Status {
                  WS_ASSIGN_OR_RETURN(const bool mine, tx.LockRunForClaim(Id(10)));
                  EXPECT_TRUE(mine);
                  locked.set_value();
                  checked.get_future().wait();
                  return Status::Ok();
                }).ok());
  });
  locked.get_future().wait();
  WS_EXPECT_OK(Write([&](Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(second, tx.LockRunForClaim(Id(10)));
    return Status::Ok();
  }));
  checked.set_value();
  first.join();
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(*second);
}

TEST_P(StoreSuite, ClaimableRunsAreDueUnleasedOrExpiredAndUnfinished) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  auto due = MakeRun(Id(10), Id(1), 100);
  auto later = MakeRun(Id(11), Id(1), 500);
  auto leased = MakeRun(Id(12), Id(2), 50);
  leased.state = RunState::kRunning;
  leased.lease_owner = "w";
  leased.lease_expires_at = 300;
  auto compensating = MakeRun(Id(13), Id(2), 90);
  compensating.state = RunState::kCompensating;
  auto done = MakeRun(Id(14), Id(2), 10);
  done.state = RunState::kSucceeded;
  auto failed = MakeRun(Id(15), Id(2), 10);
  failed.state = RunState::kFailed;
  for (const auto* r : {&due, &later, &leased, &compensating, &done, &failed})
    WS_ASSERT_OK(Put(*store_, *r));

  EXPECT_EQ(Claimable(*store_, 200), (std::vector<std::string>{Id(13), Id(10)}));  // by due time
  EXPECT_EQ(Claimable(*store_, 200, 1), (std::vector<std::string>{Id(13)}));
  EXPECT_EQ(Claimable(*store_, 300),
            (std::vector<std::string>{Id(12), Id(13), Id(10)}));  // lease over
  EXPECT_EQ(Claimable(*store_, 600).size(), 4u);
  // Wake-up: the earliest moment anything becomes claimable — the leased run
  // counts from its expiry.
  const auto wake = Get([](Tx& tx) { return tx.NextRunWakeup(); });
  WS_ASSERT_OK(wake);
  EXPECT_EQ(*wake, std::optional<Micros>(90));
}

TEST_P(StoreSuite, NoUnfinishedRunsMeansNoWakeup) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  auto done = MakeRun(Id(10), Id(1), 10);
  done.state = RunState::kSucceeded;
  WS_ASSERT_OK(Put(*store_, done));
  const auto wake = Get([](Tx& tx) { return tx.NextRunWakeup(); });
  WS_ASSERT_OK(wake);
  EXPECT_FALSE(wake->has_value());
}

TEST_P(StoreSuite, TheLatestRunOfAWorkspaceIsTheNewest) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  EXPECT_FALSE(Get([](Tx& tx) { return tx.LatestRunForWorkspace(Id(1)); })->has_value());
  WS_ASSERT_OK(Put(*store_, MakeRun(Id(10), Id(1), 0)));
  WS_ASSERT_OK(Put(*store_, MakeRun(Id(20), Id(1), 0)));
  WS_ASSERT_OK(Put(*store_, MakeRun(Id(30), Id(2), 0)));
  const auto latest = Get([](Tx& tx) { return tx.LatestRunForWorkspace(Id(1)); });
  WS_ASSERT_OK(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->id, Id(20));
  EXPECT_EQ((*latest)->steps.size(), 3u);
}

TEST_P(StoreSuite, AFailedWriteLeavesNoRunBehind) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  WS_EXPECT_CODE(Write([&](Tx& tx) -> Status {
                   WS_RETURN_IF_ERROR(tx.InsertRun(MakeRun(Id(10), Id(1), 0)));
                   return Unavailable("changed my mind");
                 }),
                 Code::kUnavailable);
  WS_EXPECT_CODE(LoadRun(*store_, Id(10)).status(), Code::kNotFound);
  EXPECT_TRUE(Claimable(*store_, 1000).empty());
}

// --- idempotency keys ---

model::IdempotencyRecord Record(const std::string& subject, const std::string& key,
                                Micros expires_at) {
  return {subject, key, "hash-" + key, true, 202, "{\"a\":1}", "/v1/x", 10, expires_at};
}

TEST_P(StoreSuite, IdempotencyRecordsArePerSubjectAndReplaceable) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.PutIdempotencyRecord(Record("alice", "k", 100)); }));
  auto got = Get([](Tx& tx) { return tx.GetIdempotencyRecord("alice", "k"); });
  WS_ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->request_hash, "hash-k");
  EXPECT_TRUE((*got)->completed);
  EXPECT_EQ((*got)->status, 202);
  EXPECT_EQ((*got)->body, "{\"a\":1}");
  EXPECT_EQ((*got)->location, "/v1/x");
  EXPECT_EQ((*got)->created_at, 10);
  EXPECT_EQ((*got)->expires_at, 100);
  EXPECT_FALSE(Get([](Tx& tx) { return tx.GetIdempotencyRecord("bob", "k"); })->has_value());

  auto pending = Record("alice", "k", 200);
  pending.completed = false;
  pending.body.clear();
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.PutIdempotencyRecord(pending); }));
  got = Get([](Tx& tx) { return tx.GetIdempotencyRecord("alice", "k"); });
  EXPECT_FALSE((*got)->completed);
  EXPECT_EQ((*got)->expires_at, 200);
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.DeleteIdempotencyRecord("alice", "k"); }));
  WS_ASSERT_OK(Write([](Tx& tx) { return tx.DeleteIdempotencyRecord("alice", "k"); }));
  EXPECT_FALSE(Get([](Tx& tx) { return tx.GetIdempotencyRecord("alice", "k"); })->has_value());
}

TEST_P(StoreSuite, PurgeRemovesOnlyExpiredRecordsAtMostLimitAtATime) {
  WS_ASSERT_OK(TwoWorkspaces(*store_));
  WS_ASSERT_OK(Write([](Tx& tx) -> Status {
    for (int i = 0; i < 5; ++i)
      WS_RETURN_IF_ERROR(tx.PutIdempotencyRecord(Record("s", "old" + std::to_string(i), 10 + i)));
    return tx.PutIdempotencyRecord(Record("s", "fresh", 1000));
  }));
  StatusOr<int> purged = 0;
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    purged = tx.PurgeIdempotencyRecords(100, 3);
    return purged.status();
  }));
  EXPECT_EQ(*purged, 3);
  WS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    purged = tx.PurgeIdempotencyRecords(100, 10);
    return purged.status();
  }));
  EXPECT_EQ(*purged, 2);
  EXPECT_TRUE(Get([](Tx& tx) { return tx.GetIdempotencyRecord("s", "fresh"); })->has_value());
  EXPECT_FALSE(Get([](Tx& tx) { return tx.GetIdempotencyRecord("s", "old4"); })->has_value());
}

// A statement that fails after others were only sent (PostgreSQL pipelines
// them: pg_connection.h) fails its transaction with its own error, whichever
// later statement or COMMIT learns of it; nothing of the transaction stays;
// and the connection serves the next transactions as if nothing happened —
// many times over, on every connection of the pool.
TEST_P(StoreSuite, AStatementThatFailsMidTransactionFailsItAloneAndTheNextOnesRunClean) {
  WS_ASSERT_OK(Insert(MakeWorkspace(Id(1), kAcme, "a")));
  const auto env = [](int n) {
    return model::Environment{Id(100 + n), Id(1), "env" + std::to_string(n), 1};
  };
  WS_ASSERT_OK(Write([&](Tx& tx) { return tx.InsertEnvironment(env(0)); }));
  for (int i = 1; i <= 12; ++i) {
    // The duplicate is sent among other statements; a read comes after it.
    const Status failed = Write([&](Tx& tx) -> Status {
      WS_RETURN_IF_ERROR(tx.InsertEnvironment(env(i)));
      WS_RETURN_IF_ERROR(tx.PutWorkspaceMember({Id(1), "m" + std::to_string(i),
                                                model::WorkspaceRole::kViewer, 1}));
      WS_RETURN_IF_ERROR(tx.InsertEnvironment(env(0)));  // its id is taken
      WS_RETURN_IF_ERROR(tx.AppendAudit({.time = 1, .actor = "t", .action = "x",
                                         .workspace_id = Id(1)}));
      return tx.GetWorkspace(Id(1)).status();
    });
    EXPECT_EQ(failed.code(), Code::kConflict) << failed.message();
    // Nothing of it stayed.
    WS_EXPECT_OK(Get([&](Tx& tx) -> StatusOr<bool> {
      WS_ASSIGN_OR_RETURN(const auto envs, tx.ListEnvironments(Id(1)));
      EXPECT_EQ(envs.size(), static_cast<std::size_t>(i)) << "after failure " << i;
      WS_ASSIGN_OR_RETURN(const auto role, tx.GetWorkspaceRole(Id(1), "m" + std::to_string(i)));
      EXPECT_FALSE(role.has_value());
      return true;
    }));
    // The same statements succeed at once after it, on whatever connection.
    WS_EXPECT_OK(Write([&](Tx& tx) -> Status {
      WS_RETURN_IF_ERROR(tx.InsertEnvironment(env(i)));
      return tx.AppendAudit({.time = 2, .actor = "t", .action = "y", .workspace_id = Id(1)});
    }));
    // A failure learnt only at COMMIT time: the last statement fails.
    const Status at_end =
        Write([&](Tx& tx) { return tx.InsertEnvironment({Id(500 + i), Id(99), "orphan", 1}); });
    EXPECT_EQ(at_end.code(), Code::kNotFound) << at_end.message();  // no such workspace
  }
  const auto events = Get([&](Tx& tx) { return tx.ListAudit({.workspace_id = Id(1), .limit = 100}); });
  WS_ASSERT_OK(events);
  EXPECT_EQ(events->size(), 12u);  // only the committed transactions' events
}

}  // namespace
}  // namespace workspaced::store
