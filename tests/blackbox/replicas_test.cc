// Three server processes on one PostgreSQL, delivering to one SpiceDB over
// gRPC: 500 workspaces created through all three, each with its own
// Idempotency-Key, while one is killed with SIGKILL half-way — when it holds
// leased runs and has creates in flight. Every acknowledged create is present
// exactly once, no key made two workspaces, every run ends exactly once
// (those of the killed replica taken over), each step is recorded done exactly
// once, nothing is left provisioning, and SpiceDB holds exactly the
// database's relationships.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
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
constexpr int kKilled = 1;
// Client threads per replica: more on the one to be killed, so that several
// of its creates are in flight when it dies.
constexpr int kThreads[3] = {2, 4, 2};

using SteadyClock = std::chrono::steady_clock;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

// What became of the create with key n.
struct Outcome {
  bool sent = false;
  bool cut = false;           // the kill cut it: no answer from the killed replica
  bool acknowledged = false;  // a 202, at once or when sent again
  std::string workspace;      // acknowledged: the 202's workspace_id
};

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
  SetBlackboxDatabase(o.data_dir, *conninfo);  // QueryNumber looks there
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  ServerLogsOnFailure logs{replicas, "replica (the killed one is 1)"};
  for (int i = 0; i < 3; ++i) {
    ServerProcess::Options ro = o;
    // The replica to be killed holds each run it claims inside
    // provision_dataplane, and each create after its key is reserved: when
    // it dies it holds leased runs and answers no create it is working on.
    if (i == kKilled)
      ro.env["WORKSPACED_FAILPOINTS"] = "provision_dataplane=delay(3000);create_request=delay(100)";
    replicas.push_back(ServerProcess::Start(ro));
  }
  const int killed_pid = replicas[kKilled]->pid();
  const std::string killed_mark = "'%:" + std::to_string(killed_pid) + ":%'";
  const std::string log = replicas[0]->Output();
  const std::string key = "\"default_account_id\":\"";
  ASSERT_NE(log.find(key), std::string::npos) << log;
  const std::string account = log.substr(log.find(key) + key.size(), 36);
  const std::string admin = replicas[0]->Token("admin");

  // Clients on each replica; those of the killed one move to the others, and
  // a create the kill cut is sent again, with its key, to a survivor.
  std::atomic<int> next = 0;
  std::atomic<bool> killed = false;
  std::mutex mu;
  std::vector<Outcome> outcomes(kWorkspaces);  // guarded by mu
  // Per client of the killed replica: when its create in flight was sent
  // (NowMs), 0 when none is.
  std::vector<std::atomic<std::int64_t>> in_flight(kThreads[kKilled]);
  // A 503 (the database busier than the server's retries allow, on a loaded
  // machine) is an answer to send the create again for, with its key, as any
  // client would: it acknowledges nothing.
  const auto send = [&](int target, int n) {
    HttpClient c(replicas[target]->port());
    for (int attempt = 1;; ++attempt) {
      HttpResponse r =
          PostWorkspace(c, admin, CreateBody(account, "replica ws " + std::to_string(n)),
                        "replica-key-" + std::to_string(n));
      if (r.status != 503 || attempt == 20) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  const auto record = [&](int n, const HttpResponse& resp, int target, bool again) {
    std::lock_guard lock(mu);
    outcomes[n].sent = true;
    if (resp.status == 202) {
      outcomes[n].acknowledged = true;
      outcomes[n].workspace =
          std::string(Json(resp.body).as_object().at("workspace_id").as_string());
    } else if (!(again && resp.status == 409)) {
      // (A 409 when sent again: the dead replica's reservation of the key,
      // given up only after 60 s. The create stays unacknowledged.)
      ADD_FAILURE() << "create " << n << " on replica " << target << (again ? " (again)" : "")
                    << ": " << resp.status << " " << resp.body;
    }
  };
  std::vector<std::thread> clients;
  for (int r = 0; r < 3; ++r) {
    for (int t = 0; t < kThreads[r]; ++t) {
      clients.emplace_back([&, r, t] {
        for (int n = next++; n < kWorkspaces; n = next++) {
          const int survivor = n % 2 == 0 ? 0 : 2;
          try {
            if (r != kKilled || killed) {
              const int target = r == kKilled ? survivor : r;
              record(n, send(target, n), target, false);
              continue;
            }
            in_flight[t] = NowMs();
            try {
              const HttpResponse resp = send(kKilled, n);
              in_flight[t] = 0;
              record(n, resp, kKilled, false);
            } catch (const std::exception& e) {
              in_flight[t] = 0;
              {
                std::lock_guard lock(mu);
                outcomes[n].sent = outcomes[n].cut = true;
              }
              if (!killed) {
                ADD_FAILURE() << "create " << n << " failed before the kill: " << e.what();
                continue;
              }
              record(n, send(survivor, n), survivor, true);
            }
          } catch (const std::exception& e) {
            ADD_FAILURE() << "create " << n << ": " << e.what();
          }
        }
      });
    }
  }

  // Kill the replica half-way, once it holds a leased run (inside the
  // delay) and a create sent to it has been in flight for 20 ms (inside the
  // server's delay of 100 ms).
  const auto deadline = SteadyClock::now() + std::chrono::seconds(120);
  const std::string held_sql =
      "SELECT COUNT(*) FROM provisioning_runs WHERE state = 'running' AND lease_owner LIKE " +
      killed_mark;
  bool ready = false;
  while (!ready && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (next < kWorkspaces / 2) continue;
    bool requests = false;
    for (const auto& sent : in_flight) {
      const std::int64_t at = sent;
      requests = requests || (at > 0 && NowMs() - at >= 20);
    }
    ready = requests && QueryNumber(o.data_dir, held_sql) > 0;
  }
  EXPECT_TRUE(ready) << "the replica to kill never held a run with a create in flight";
  killed = true;
  replicas[kKilled]->Stop(SIGKILL);
  // Its leases outlive it (for a second): these runs must be taken over.
  const long long held_at_kill = QueryNumber(o.data_dir, held_sql);
  EXPECT_GE(held_at_kill, 1);
  for (auto& t : clients) t.join();

  auto store = store::OpenPostgresStore({.conninfo = *conninfo, .pool_size = 2});
  ASSERT_TRUE(store.ok()) << store.status().message();
  // Everything finishes (the killed replica's runs are taken over), within
  // three minutes (about ten seconds on a quiet machine).
  long long open = -1, depth = -1;
  for (int i = 0; i < 1800; ++i) {
    open = QueryNumber(o.data_dir,
                       "SELECT COUNT(*) FROM provisioning_runs WHERE state != 'succeeded'");
    ASSERT_TRUE((*store)
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(depth, tx.OutboxDepth());
                      return Status::Ok();
                    })
                    .ok());
    if (open == 0 && depth == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(open, 0) << "runs not succeeded";
  EXPECT_EQ(depth, 0) << "relationship changes not delivered";

  // Acknowledged vs present: every workspace in the database, by the key
  // (its name) that made it.
  std::map<std::string, std::vector<std::string>> present;  // name → workspace ids
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> Status {
                    present.clear();
                    store::Page page;
                    page.limit = 200;
                    while (true) {
                      WS_ASSIGN_OR_RETURN(auto stamps, tx.ListWorkspacesByAccount(account, page));
                      for (const auto& stamp : stamps) {
                        WS_ASSIGN_OR_RETURN(auto w, tx.GetWorkspace(stamp.id));
                        present[w.name].push_back(w.id);
                      }
                      if (static_cast<int>(stamps.size()) < page.limit) return Status::Ok();
                      page.after = stamps.back().id;
                    }
                  })
                  .ok());
  int acknowledged = 0, cut = 0;
  std::size_t workspaces_present = 0, by_our_keys = 0;
  for (const auto& [name, ids] : present) workspaces_present += ids.size();
  for (int n = 0; n < kWorkspaces; ++n) {
    const Outcome& out = outcomes[n];
    EXPECT_TRUE(out.sent) << n;
    const auto it = present.find("replica ws " + std::to_string(n));
    const std::size_t copies = it == present.end() ? 0 : it->second.size();
    EXPECT_LE(copies, 1u) << "key " << n << " made " << copies << " workspaces";
    by_our_keys += copies;
    cut += out.cut ? 1 : 0;
    if (!out.acknowledged) continue;
    ++acknowledged;
    ASSERT_EQ(copies, 1u) << "acknowledged create " << n << " is not present exactly once";
    EXPECT_EQ(it->second.front(), out.workspace) << n;
  }
  // Nothing but our creates made workspaces, and the kill cut some creates
  // in flight (at most one per client of the killed replica).
  EXPECT_EQ(by_our_keys, workspaces_present);
  EXPECT_GE(cut, 1) << "the kill cut no create in flight";
  EXPECT_LE(cut, kThreads[kKilled]);
  EXPECT_GE(acknowledged, kWorkspaces - cut);
  std::printf(
      "creates: %d acknowledged, %d cut by the kill, %zu present; runs held by the killed "
      "replica: %lld\n",
      acknowledged, cut, workspaces_present, held_at_kill);

  // Exactly once, for every workspace present (acknowledged or not): its run
  // started once and succeeded once, each step done once; none left
  // provisioning.
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> Status {
                    for (const auto& [name, ids] : present) {
                      for (const auto& ws : ids) {
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
                            what += " " +
                                    std::string(Json(e.details).as_object().at("step").as_string());
                          ++count[what];
                        }
                        EXPECT_EQ(count["provisioning.run.started"], 1) << ws;
                        EXPECT_EQ(count["provisioning.run.succeeded"], 1) << ws;
                        int steps = 0;
                        for (const auto& [what, n] : count) {
                          if (what.rfind("provisioning.step.succeeded", 0) != 0) continue;
                          ++steps;
                          EXPECT_EQ(n, 1) << ws << " " << what;
                        }
                        EXPECT_EQ(steps, 6) << ws;
                      }
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM provisioning_runs"),
            static_cast<long long>(workspaces_present));
  // Each run the killed replica held was taken over by a survivor, once.
  // (At least those counted after the kill: on a loaded machine a lease may
  // have expired and been taken over before that count, never the reverse.)
  const long long taken_over = QueryNumber(
      o.data_dir,
      "SELECT COUNT(*) FROM audit_events WHERE action = 'provisioning.run.taken_over' AND " +
          SqlJsonField(o.data_dir, "details", "previous_owner") + " LIKE " + killed_mark);
  EXPECT_GE(taken_over, held_at_kill);
  EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM provisioning_runs WHERE lease_owner LIKE " +
                                        killed_mark + " AND state <> 'succeeded'"),
            0);
  EXPECT_EQ(QueryNumber(o.data_dir,
                        "SELECT COUNT(DISTINCT target_id) FROM audit_events WHERE action = "
                        "'provisioning.run.taken_over' AND " +
                            SqlJsonField(o.data_dir, "details", "previous_owner") + " LIKE " +
                            killed_mark),
            taken_over);

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
