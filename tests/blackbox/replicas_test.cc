// Three server processes on one PostgreSQL, delivering to one SpiceDB over
// gRPC: 500 workspaces created through all three while one is killed with
// SIGKILL half-way. Every run ends exactly once, each step is recorded done
// exactly once, nothing is left provisioning, and SpiceDB holds exactly the
// database's relationships.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>

#include "authz/schema_authorizer.h"
#include "blackbox/provisioning_support.h"
#include "spicedb/embedded.h"
#include "spicedb/testing/forwarder.h"
#include "store/pg_store.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

constexpr int kWorkspaces = 500;

TEST(Replicas, ThreeServersOnePostgresOneKilledEveryRunEndsOnceAndSpiceDbMatches) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  auto engine = spicedb::StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  spicedb::testing::Forwarder forwarder(**engine, "replica-key");
  TempDir dir;
  const std::string socket = "unix://" + dir.path() + "/spicedb.sock";
  auto grpc_server = spicedb::testing::ServeForwarder(forwarder, socket);
  ASSERT_NE(grpc_server, nullptr);
  std::ofstream(dir.path() + "/key") << "replica-key";

  // One data directory for all three: the dev signing key (tokens work on
  // every replica) and the embedded dataplanes.
  ServerProcess::Options o;
  o.data_dir = dir.path() + "/data";
  o.config_json = FastSagaConfig(
      1000, R"(,"spicedb":{"target":"grpc","tls":false,"poll_ms":20,"lease_ms":1000,"endpoint":")" +
                socket + R"(","preshared_key_file":")" + dir.path() + R"(/key"})");
  o.extra_args = {"--database", *conninfo};
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  for (int i = 0; i < 3; ++i) replicas.push_back(ServerProcess::Start(o));
  const std::string log = replicas[0]->Output();
  const std::string key = "\"default_account_id\":\"";
  ASSERT_NE(log.find(key), std::string::npos) << log;
  const std::string account = log.substr(log.find(key) + key.size(), 36);
  const std::string admin = replicas[0]->Token("admin");

  // Three clients, one per replica; replica 1 dies half-way and its client
  // moves to the others.
  std::atomic<int> next = 0, accepted = 0;
  std::atomic<bool> killed = false;
  std::mutex mu;
  std::set<std::string> workspaces;
  std::vector<std::thread> clients;
  for (int r = 0; r < 3; ++r) {
    clients.emplace_back([&, r] {
      for (int n = next++; n < kWorkspaces; n = next++) {
        if (r == 1 && n >= kWorkspaces / 2 && !killed.exchange(true)) replicas[1]->Stop(SIGKILL);
        const int target = (r == 1 && killed) ? (n % 2 == 0 ? 0 : 2) : r;
        HttpClient c(replicas[target]->port());
        const HttpResponse resp =
            PostWorkspace(c, admin, CreateBody(account, "replica ws " + std::to_string(n)));
        if (resp.status != 202) {
          ADD_FAILURE() << "create " << n << " on replica " << target << ": " << resp.status << " "
                        << resp.body;
          continue;
        }
        ++accepted;
        std::lock_guard lock(mu);
        workspaces.insert(std::string(Json(resp.body).as_object().at("workspace_id").as_string()));
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_EQ(accepted.load(), kWorkspaces);

  auto store = store::OpenPostgresStore({.conninfo = *conninfo, .pool_size = 2});
  ASSERT_TRUE(store.ok()) << store.status().message();
  // Everything finishes (the killed replica's runs are taken over).
  std::int64_t open = -1, depth = -1;
  for (int i = 0; i < 600; ++i) {
    open = 0;
    ASSERT_TRUE((*store)
                    ->Read([&](store::Tx& tx) -> Status {
                      for (const auto& ws : workspaces) {
                        WS_ASSIGN_OR_RETURN(auto run, tx.LatestRunForWorkspace(ws));
                        if (!run || run->state != model::RunState::kSucceeded) ++open;
                      }
                      WS_ASSIGN_OR_RETURN(depth, tx.OutboxDepth());
                      return Status::Ok();
                    })
                    .ok());
    if (open == 0 && depth == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(open, 0) << "runs not succeeded";
  EXPECT_EQ(depth, 0) << "relationship changes not delivered";

  // Exactly once: each run started once, succeeded once, each step done once;
  // no workspace left provisioning.
  int took_over = 0;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> Status {
                    for (const auto& ws : workspaces) {
                      WS_ASSIGN_OR_RETURN(auto w, tx.GetWorkspace(ws));
                      EXPECT_EQ(w.status, model::WorkspaceStatus::kActive) << ws;
                      model::AuditQuery q;
                      q.workspace_id = ws;
                      q.limit = 1000;
                      WS_ASSIGN_OR_RETURN(auto events, tx.ListAudit(q));
                      std::map<std::string, int> count;
                      for (const auto& e : events) {
                        std::string what = e.action;
                        if (e.action == "provisioning.step.succeeded")
                          what +=
                              " " + std::string(Json(e.details).as_object().at("step").as_string());
                        ++count[what];
                      }
                      EXPECT_EQ(count["provisioning.run.started"], 1) << ws;
                      EXPECT_EQ(count["provisioning.run.succeeded"], 1) << ws;
                      took_over += count["provisioning.run.taken_over"];
                      int steps = 0;
                      for (const auto& [what, n] : count) {
                        if (what.rfind("provisioning.step.succeeded", 0) != 0) continue;
                        ++steps;
                        EXPECT_EQ(n, 1) << ws << " " << what;
                      }
                      EXPECT_EQ(steps, 6) << ws;
                    }
                    return Status::Ok();
                  })
                  .ok());
  std::printf("runs taken over from the killed replica: %d\n", took_over);

  // SpiceDB holds exactly the database's relationships.
  std::set<model::Relationship> ours, theirs;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) {
                    return tx.ForEachRelationship([&](const model::Relationship& r) {
                      ours.insert(r);
                      return true;
                    });
                  })
                  .ok());
  for (const char* type : {"platform", "account", "workspace", "environment", "group"}) {
    ASSERT_TRUE((*engine)
                    ->ReadRelationships(type,
                                        [&](const model::Relationship& r) {
                                          theirs.insert(r);
                                          return true;
                                        })
                    .ok());
  }
  EXPECT_EQ(ours.size(), theirs.size());
  EXPECT_TRUE(ours == theirs);
  for (auto& r : replicas)
    if (r->pid() > 0) r->Stop();
  grpc_server->Shutdown();
}

}  // namespace
}  // namespace workspaced::testing
