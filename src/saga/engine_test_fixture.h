// The fixture of the engine's tests (engine_*_test.cc): a real store —
// SQLite, or PostgreSQL when built with WS_ENGINE_ON_POSTGRES — and the real
// embedded dataplane, with a manual clock so backoff and lease expiry need no
// sleeping.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/sqlite_dataplane.h"
#include "saga/engine.h"
#include "store/sqlite_store.h"
#if WS_ENGINE_ON_POSTGRES
#include "store/pg_store.h"
#include "store/testing/postgres_server.h"
#endif
#include "store/testing/temp_dir.h"

namespace workspaced::saga::testing {

inline constexpr char kAccount[] = "01900000-0000-7000-8000-0000000000aa";
inline constexpr char kCreator[] = "alice";

// A real step with every part passed through: a test overrides the part it
// makes fail.
class WrappedStep : public Step {
 public:
  explicit WrappedStep(std::unique_ptr<Step> step) : step_(std::move(step)) {}

  std::string_view name() const override { return step_->name(); }
  bool has_external() const override { return step_->has_external(); }
  Status External(const model::Workspace& ws) override { return step_->External(ws); }
  Status Apply(store::Tx& tx, model::Workspace& ws, StepEnv& env) override {
    return step_->Apply(tx, ws, env);
  }
  Status CompensateExternal(const model::Workspace& ws) override {
    return step_->CompensateExternal(ws);
  }
  Status CompensateTx(store::Tx& tx, model::Workspace& ws) override {
    return step_->CompensateTx(tx, ws);
  }

 protected:
  std::unique_ptr<Step> step_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if WS_ENGINE_ON_POSTGRES
    auto conninfo = store::testing::FreshPostgresSchema();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
    auto store = store::OpenPostgresStore({.conninfo = *conninfo});
#else
    auto store = store::OpenSqliteStore({.path = dir_.File("db.sqlite")});
#endif
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->Migrate().ok());
    dataplane_ = dataplane::NewSqliteDataplane(dir_.File("dataplanes"));
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) {
                      return tx.InsertAccount({kAccount, "Acme", clock_.Now()});
                    })
                    .ok());
  }

  // The options of MakeEngine: a 10 s lease, 4 attempts.
  static EngineOptions Options(std::string owner = "") {
    EngineOptions o;
    o.lease = 10'000'000;
    o.max_attempts = 4;
    o.owner = std::move(owner);
    return o;
  }

  std::unique_ptr<Engine> MakeEngine(const std::string& failpoints, std::string owner = "",
                                     std::vector<std::unique_ptr<Step>> steps = {}) {
    return MakeEngine(failpoints, Options(std::move(owner)), std::move(steps));
  }
  // `steps` empty: the real ones (MakeProvisioningSteps).
  std::unique_ptr<Engine> MakeEngine(const std::string& failpoints, EngineOptions o,
                                     std::vector<std::unique_ptr<Step>> steps = {}) {
    auto fp = Failpoints::Parse(failpoints);
    EXPECT_TRUE(fp.ok());
    if (steps.empty()) steps = MakeProvisioningSteps(*dataplane_);
    return std::make_unique<Engine>(std::move(o), *store_, std::move(steps), clock_, *random_,
                                    std::move(*fp));
  }

  // A workspace as POST /v1/workspaces leaves it, with its pending run.
  std::pair<model::Workspace, std::string> Create(const std::string& name) {
    model::Workspace ws;
    ws.id = NewUuidV7(*random_, clock_);
    ws.account_id = kAccount;
    ws.name = name;
    ws.slug = name;
    ws.region = "us-east-1";
    ws.created_at = ws.updated_at = clock_.Now();
    ws.created_by = ws.updated_by = kCreator;
    ws.group_mappings = {{"eng", model::WorkspaceRole::kMember}};
    const std::string run_id = NewUuidV7(*random_, clock_);
    EXPECT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
                      // As Workspaces::Create: the creator is its admin at once.
                      WS_RETURN_IF_ERROR(tx.PutWorkspaceMember(
                          {ws.id, kCreator, model::WorkspaceRole::kAdmin, clock_.Now()}));
                      return tx.InsertRun(
                          NewProvisioningRun(run_id, ws.id, kCreator, "", clock_.Now()));
                    })
                    .ok());
    return {ws, run_id};
  }

  // Runs the engine until the run finishes, moving the clock past backoffs.
  model::ProvisioningRun Drive(Engine& engine, const std::string& run_id) {
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(engine.RunUntilIdle().ok());
      auto run = Run(run_id);
      if (run.state == model::RunState::kSucceeded || run.state == model::RunState::kFailed)
        return run;
      clock_.Advance(60'000'000);
    }
    ADD_FAILURE() << "run never finished";
    return Run(run_id);
  }

  model::ProvisioningRun Run(const std::string& id) {
    model::ProvisioningRun run;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(run, tx.GetRun(id));
                      return Status::Ok();
                    })
                    .ok());
    return run;
  }

  // The step `name` of `run`.
  static const model::ProvisioningStep& StepOf(const model::ProvisioningRun& run,
                                               const std::string& name) {
    for (const auto& s : run.steps)
      if (s.name == name) return s;
    throw std::runtime_error("no step " + name);
  }

  struct Built {
    model::Workspace ws;
    std::size_t environments = 0;
    std::size_t relationships = 0;
    std::optional<model::WorkspaceRole> creator_role;
    bool dataplane = false;
    std::vector<std::string> audit_actions;  // oldest first
    std::vector<std::string> audit_details;  // the same events' details (JSON)

    // How many events of `action` name `step` in their details.
    long Events(const std::string& action, const std::string& step) const {
      long n = 0;
      for (std::size_t i = 0; i < audit_actions.size(); ++i)
        if (audit_actions[i] == action &&
            audit_details[i].find("\"step\":\"" + step + "\"") != std::string::npos)
          ++n;
      return n;
    }
    long Events(const std::string& action) const {
      return std::count(audit_actions.begin(), audit_actions.end(), action);
    }
  };
  Built Inspect(const std::string& ws_id) {
    Built b;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(b.ws, tx.GetWorkspace(ws_id));
                      WS_ASSIGN_OR_RETURN(auto envs, tx.ListEnvironments(ws_id));
                      b.environments = envs.size();
                      WS_ASSIGN_OR_RETURN(auto rels,
                                          tx.ListRelationshipsForResource("workspace", ws_id));
                      b.relationships = rels.size();
                      for (const auto& e : envs) {
                        WS_ASSIGN_OR_RETURN(auto more,
                                            tx.ListRelationshipsForResource("environment", e.id));
                        b.relationships += more.size();
                      }
                      WS_ASSIGN_OR_RETURN(b.creator_role, tx.GetWorkspaceRole(ws_id, kCreator));
                      WS_ASSIGN_OR_RETURN(auto events,
                                          tx.ListAudit({.workspace_id = ws_id, .limit = 1000}));
                      for (auto it = events.rbegin(); it != events.rend(); ++it) {
                        b.audit_actions.push_back(it->action);
                        b.audit_details.push_back(it->details);
                      }
                      return Status::Ok();
                    })
                    .ok());
    b.dataplane = *dataplane_->Exists(b.ws);
    return b;
  }

  store::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Random> random_ = NewSeededRandom(7);
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<dataplane::Dataplane> dataplane_;
};

}  // namespace workspaced::saga::testing
