// Two replicas on one PostgreSQL while a side connection keeps killing their
// database connections in the middle of transactions (pg_terminate_backend
// of a backend with a transaction open), under concurrent creates and
// updates whose clients send a refused request again with the same
// Idempotency-Key (an update is a label set, the same when sent again).
// Nothing acknowledged is lost (every 202 create and 200 update is there
// afterwards), nothing is applied twice (one workspace per key, one audit
// event per change, one membership, no outbox row twice), every run ends,
// the audit chain verifies, and both replicas reconnect and serve.
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

constexpr int kCreates = 120;
constexpr int kCreators = 4;
constexpr int kUpdaters = 2;
constexpr int kUpdatesEach = 40;

using SteadyClock = std::chrono::steady_clock;

// Sends `call` until it answers `ok`: a 503 (the connection it used was
// killed), a 409 (its key still reserved by the attempt that failed, until
// the server releases it) or a broken connection is no answer, so it goes
// again. The last response.
template <typename F>
HttpResponse UntilAnswered(F call, int ok) {
  HttpResponse r;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(90);
  do {
    try {
      r = call();
    } catch (const std::exception& e) {
      r = HttpResponse{};
      r.body = e.what();
      continue;
    }
    if (r.status == ok || (r.status != 503 && r.status != 409)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (SteadyClock::now() < deadline);
  return r;
}

TEST(ConnectionKilled, MidTransactionUnderLoadNothingAcknowledgedIsLostOrAppliedTwice) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  // Our replicas' backends, told apart from every other test's by name.
  const std::string app = "ws_kill_" + std::to_string(::getpid());
  TempDir dir;
  ServerProcess::Options o;
  o.data_dir = dir.path() + "/data";
  o.config_json = FastSagaConfig();
  o.extra_args = {"--database", *conninfo + " application_name=" + app};
  SetBlackboxDatabase(o.data_dir, *conninfo);
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  ServerLogsOnFailure logs{replicas};
  const std::string account = StartReplicas(o, 2, replicas);
  ASSERT_FALSE(account.empty());
  const std::string admin = replicas[0]->Token("admin");

  // The killer: every few milliseconds, one of our backends that has a
  // transaction open (a statement running, or idle between two).
  std::atomic<bool> stop{false};
  std::atomic<int> kills{0};
  std::thread killer([&] {
    std::unique_ptr<PGconn, decltype(&PQfinish)> side(PQconnectdb(conninfo->c_str()), &PQfinish);
    ASSERT_EQ(PQstatus(side.get()), CONNECTION_OK) << PQerrorMessage(side.get());
    const std::string sql =
        "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (SELECT pid FROM "
        "pg_stat_activity WHERE application_name = '" +
        app + "' AND xact_start IS NOT NULL ORDER BY random() LIMIT 1) victim";
    while (!stop) {
      std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(side.get(), sql.c_str()), &PQclear);
      if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) kills += std::atoi(PQgetvalue(r.get(), 0, 0));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  // Creators, round robin over the replicas; updaters set a label of their
  // own on acknowledged workspaces.
  std::mutex mu;
  std::map<int, std::string> created;                    // guarded by mu: key n → workspace
  std::map<std::string, std::set<std::string>> labeled;  // guarded by mu: workspace → labels
  std::vector<std::string> wrong;                        // guarded by mu
  std::atomic<int> next{0}, refused{0};
  const auto note_wrong = [&](const std::string& what, const HttpResponse& r) {
    std::lock_guard lock(mu);
    wrong.push_back(what + ": " + std::to_string(r.status) + " " + r.body);
  };
  std::vector<std::thread> clients;
  for (int t = 0; t < kCreators; ++t) {
    clients.emplace_back([&] {
      std::vector<std::unique_ptr<HttpClient>> to;
      for (const auto& r : replicas) to.push_back(std::make_unique<HttpClient>(r->port()));
      for (int n = next++; n < kCreates; n = next++) {
        HttpClient& c = *to[n % to.size()];
        const HttpResponse r = UntilAnswered(
            [&] {
              HttpResponse got = PostWorkspace(c, admin, CreateBody(account, "kill " + std::to_string(n)),
                                               "kill-key-" + std::to_string(n));
              if (got.status == 503) ++refused;
              return got;
            },
            202);
        if (r.status != 202) {
          note_wrong("create " + std::to_string(n), r);
          continue;
        }
        std::lock_guard lock(mu);
        created[n] = std::string(Json(r.body).as_object().at("workspace_id").as_string());
      }
    });
  }
  for (int t = 0; t < kUpdaters; ++t) {
    clients.emplace_back([&, t] {
      std::mt19937 pick(t);
      std::vector<std::unique_ptr<HttpClient>> to;
      for (const auto& r : replicas) to.push_back(std::make_unique<HttpClient>(r->port()));
      for (int u = 0; u < kUpdatesEach; ++u) {
        std::string ws;
        while (ws.empty() && next < kCreates + kCreators) {
          {
            std::lock_guard lock(mu);
            if (!created.empty()) {
              auto it = created.begin();
              std::advance(it, pick() % created.size());
              ws = it->second;
            }
          }
          if (ws.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (ws.empty()) return;
        const std::string label = "u" + std::to_string(t) + "-" + std::to_string(u);
        HttpClient& c = *to[u % to.size()];
        const HttpResponse r = UntilAnswered(
            [&] {
              HttpResponse got = c.Send("PATCH", "/v1/workspaces/" + ws,
                                        {{"Authorization", "Bearer " + admin},
                                         {"Content-Type", "application/merge-patch+json"}},
                                        R"({"labels":{")" + label + R"(":"set"}})");
              if (got.status == 503) ++refused;
              return got;
            },
            200);
        if (r.status != 200) {
          note_wrong("update " + label + " of " + ws, r);
          continue;
        }
        std::lock_guard lock(mu);
        labeled[ws].insert(label);
      }
    });
  }
  for (auto& c : clients) c.join();
  // The saga's transactions meet the killer too, a while longer.
  ASSERT_TRUE(Eventually(
      [&] {
        return kills >= 20 || QueryNumber(o.data_dir, "SELECT COUNT(*) FROM provisioning_runs "
                                                      "WHERE state <> 'succeeded'") == 0;
      },
      60));
  stop = true;
  killer.join();

  std::string wrong_answers;
  for (const auto& w : wrong) wrong_answers += w + "\n";
  EXPECT_TRUE(wrong.empty()) << wrong_answers;
  EXPECT_GE(kills.load(), 5) << "the killer found few transactions to cut";
  ASSERT_EQ(created.size(), static_cast<std::size_t>(kCreates));

  // Every run ends, and succeeds (a killed transaction is run again).
  ASSERT_TRUE(Eventually(
      [&] {
        return QueryNumber(o.data_dir,
                           "SELECT COUNT(*) FROM provisioning_runs WHERE state <> 'succeeded'") == 0;
      },
      120))
      << QueryNumber(o.data_dir, "SELECT COUNT(*) FROM provisioning_runs WHERE state <> 'succeeded'")
      << " runs not succeeded";

  // Nothing lost, nothing twice.
  EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM workspaces WHERE name LIKE 'kill %'"),
            kCreates);
  EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(DISTINCT name) FROM workspaces"),
            QueryNumber(o.data_dir, "SELECT COUNT(*) FROM workspaces"));
  for (const auto& [n, ws] : created) {
    EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM workspaces WHERE id = '" + ws +
                                          "' AND name = 'kill " + std::to_string(n) +
                                          "' AND status = 'active'"),
              1)
        << n;
    const auto it = labeled.find(ws);
    const std::size_t labels = it == labeled.end() ? 0 : it->second.size();
    // One update event per acknowledged label (a label sent again after its
    // first attempt committed changes nothing, so records nothing).
    EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM audit_events WHERE workspace_id = '" +
                                          ws + "' AND action = 'workspace.update'"),
              static_cast<long long>(labels))
        << ws;
    if (it != labeled.end()) {
      for (const auto& label : it->second) {
        EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM workspaces WHERE id = '" + ws +
                                              "' AND labels LIKE '%\"" + label + "\"%'"),
                  1)
            << label << " of " << ws;
      }
    }
  }
  const std::string one_each[] = {"workspace.create", "provisioning.run.started",
                                  "provisioning.run.succeeded"};
  for (const std::string& action : one_each) {
    EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM audit_events WHERE action = '" +
                                          action + "'"),
              kCreates)
        << action;
  }
  EXPECT_EQ(QueryNumber(o.data_dir,
                        "SELECT COUNT(*) FROM (SELECT 1 FROM audit_events WHERE action = "
                        "'provisioning.step.succeeded' GROUP BY workspace_id, details "
                        "HAVING COUNT(*) > 1) twice"),
            0);
  EXPECT_EQ(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM workspace_members"), kCreates);
  EXPECT_EQ(QueryNumber(o.data_dir,
                        "SELECT COUNT(*) FROM (SELECT 1 FROM relationship_outbox GROUP BY op, "
                        "resource_type, resource_id, relation, subject_type, subject_id, "
                        "subject_relation HAVING COUNT(*) > 1) twice"),
            0);
  auto verify = RunWorkspaced({"audit", "verify", "--data-dir", o.data_dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  // Both replicas reconnected and serve.
  for (const auto& r : replicas) {
    HttpClient c(r->port());
    EXPECT_EQ(c.Get("/readyz").status, 200);
    const HttpResponse made = PostWorkspace(c, admin, CreateBody(account, "after " + std::to_string(r->port())));
    ASSERT_EQ(made.status, 202) << made.body;
    const std::string ws(Json(made.body).as_object().at("workspace_id").as_string());
    EXPECT_EQ(c.Get("/v1/workspaces/" + ws, admin).status, 200);
  }
  std::printf("[ kill     ] %d transactions cut, %d requests refused (503) and sent again\n",
              kills.load(), refused.load());
}

}  // namespace
}  // namespace workspaced::testing
