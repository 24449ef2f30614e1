// The real binary on PostgreSQL (--database): first start, a create driven
// through the whole saga, the audit chain verified, and everything still
// there after a restart.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

TEST(OnPostgres, TheServerProvisionsAuditsAndKeepsItsStateAcrossARestart) {
  auto conninfo = store::testing::FreshPostgresSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  TempDir data;
  ServerProcess::Options o;
  o.data_dir = data.path() + "/data";
  // us-east-1's cell is the same PostgreSQL: its dataplanes are schemas there.
  o.config_json = FastSagaConfig(1000, R"(,"cells":{"us-east-1":")" + *conninfo + R"("})");
  o.extra_args = {"--database", *conninfo};
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  ASSERT_EQ(account.size(), 36u) << server->Output();
  // Nothing of the control plane went to SQLite.
  EXPECT_FALSE(std::filesystem::exists(o.data_dir + "/" + app::kDatabaseFile));

  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  const HttpResponse created = PostWorkspace(c, admin, CreateBody(account, "On Postgres"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto body = Json(created.body).as_object();
  const std::string ws(body.at("workspace_id").as_string());
  const auto run = WaitRun(c, admin, std::string(body.at("provisioning_run_id").as_string()));
  ASSERT_EQ(run.at("state").as_string(), "succeeded") << boost::json::serialize(run);
  EXPECT_EQ(Json(c.Get("/v1/workspaces/" + ws, admin).body).as_object().at("status").as_string(),
            "active");
  EXPECT_EQ(Json(c.Get("/v1/workspaces/" + ws + "/environments", admin).body).as_array().size(),
            3u);
  EXPECT_EQ(c.Get("/v1/workspaces/" + ws, server->Token("stranger")).status, 404);
  {
    PGconn* pg = PQconnectdb(conninfo->c_str());
    std::string schema = "ws_" + ws;
    std::replace(schema.begin(), schema.end(), '-', '_');
    const char* values[] = {schema.c_str()};
    PGresult* r = PQexecParams(pg, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, nullptr,
                               values, nullptr, nullptr, 0);
    EXPECT_EQ(PQntuples(r), 1) << "no dataplane schema " << schema;
    PQclear(r);
    PQfinish(pg);
    EXPECT_FALSE(std::filesystem::exists(o.data_dir + "/dataplanes/us-east-1/" + ws + ".db"));
  }

  auto verify =
      RunWorkspaced({"audit", "verify", "--data-dir", o.data_dir, "--database", *conninfo});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("audit log intact"), std::string::npos) << verify.out;

  server->Stop();
  server.reset();
  server = ServerProcess::Start(o);
  HttpClient again(server->port());
  EXPECT_EQ(DefaultAccount(server->Output()), account);  // bootstrap found it
  const HttpResponse got = again.Get("/v1/workspaces/" + ws, server->Token("admin"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json(got.body).as_object().at("name").as_string(), "On Postgres");
}

// A number from one query on a PostgreSQL database.
long long PgNumber(const std::string& conninfo, const std::string& sql) {
  PGconn* pg = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(pg, sql.c_str());
  const bool one = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  EXPECT_TRUE(one) << sql << ": " << PQerrorMessage(pg);
  const long long n = one ? std::stoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  PQfinish(pg);
  return n;
}

// PostgreSQL goes away under write load, with provisioning runs in flight,
// and comes back: while it is away requests answer 503 problem+json (nothing
// is acknowledged that was not stored); clients retrying their creates with
// their Idempotency-Keys get each acknowledged once, every acknowledged
// create is there exactly once afterwards, and every run finishes.
TEST(OnPostgres, RestartedUnderWriteLoadItAnswers503AndLosesNoAcknowledgedCreateOrRun) {
  auto pg = store::testing::PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  TempDir data;
  ServerProcess::Options o;
  o.data_dir = data.path() + "/data";
  o.config_json = FastSagaConfig();
  o.extra_args = {"--database", (*pg)->conninfo()};
  // Each run is held in one step a while, so runs are in flight when the
  // database goes.
  o.env["WORKSPACED_FAILPOINTS"] = "provision_dataplane=delay(400)";
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  const std::string admin = server->Token("admin");
  HttpClient c(server->port());
  const HttpResponse before = PostWorkspace(c, admin, CreateBody(account, "Before"));
  ASSERT_EQ(before.status, 202) << before.body;
  const std::string ws(Json(before.body).as_object().at("workspace_id").as_string());
  const std::string before_run(Json(before.body).as_object().at("provisioning_run_id").as_string());

  // Writers: each creates its workspaces one after another, retrying a
  // refused create with the same key until it is acknowledged.
  constexpr int kWriters = 4, kEach = 8;
  struct Ack {
    std::string key, workspace, run;
  };
  std::mutex mu;
  std::vector<Ack> acked;          // guarded by mu
  std::vector<std::string> wrong;  // guarded by mu: answers neither 202 nor 503
  std::atomic<int> refused{0}, refused_while_down{0};
  std::atomic<bool> down{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      HttpClient h(server->port());
      for (int i = 0; i < kEach; ++i) {
        const std::string key = "load-" + std::to_string(w) + "-" + std::to_string(i);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
          const HttpResponse r = PostWorkspace(h, admin, CreateBody(account, "Load " + key), key);
          if (r.status == 202) {
            const auto b = Json(r.body).as_object();
            std::lock_guard lock(mu);
            acked.push_back({key, std::string(b.at("workspace_id").as_string()),
                             std::string(b.at("provisioning_run_id").as_string())});
            break;
          }
          if (r.status == 503 && r.Header("Content-Type") == "application/problem+json") {
            ++refused;
            if (down) ++refused_while_down;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
          }
          std::lock_guard lock(mu);
          wrong.push_back(key + ": " + std::to_string(r.status) + " " + r.body);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
      }
    });
  }

  // Once a few creates are acknowledged and a run is still going, the
  // database stops at once (like a crash).
  const auto in_flight = [&] {
    std::vector<std::string> runs;
    {
      std::lock_guard lock(mu);
      for (const auto& a : acked) runs.push_back(a.run);
    }
    int n = 0;
    for (const auto& run : runs) {
      const HttpResponse r = c.Get("/v1/provisioning-runs/" + run, admin);
      if (r.status != 200) continue;
      const auto state = Json(r.body).as_object().at("state").as_string();
      if (state != "succeeded" && state != "failed") ++n;
    }
    return n;
  };
  int running = 0;
  for (int i = 0; i < 200 && running == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::size_t made = 0;
    {
      std::lock_guard lock(mu);
      made = acked.size();
    }
    if (made >= 3) running = in_flight();
  }
  ASSERT_GT(running, 0) << "no run in flight to interrupt";
  ASSERT_TRUE((*pg)->Stop().ok());
  down = true;
  ExpectProblem(c.Get("/v1/workspaces/" + ws, admin), 503);
  EXPECT_EQ(c.Get("/readyz").status, 503);
  for (int i = 0; i < 100 && refused_while_down < kWriters; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // longer than a run's backoffs
  down = false;
  ASSERT_TRUE((*pg)->StartAgain().ok());
  for (auto& t : writers) t.join();

  std::string wrong_answers;
  for (const auto& w : wrong) wrong_answers += w + "\n";
  EXPECT_TRUE(wrong.empty()) << wrong_answers;
  EXPECT_GE(refused_while_down.load(), kWriters) << "the writers never met the outage";
  ASSERT_EQ(acked.size(), static_cast<std::size_t>(kWriters * kEach));
  // Every run, the interrupted ones included, finishes and succeeds.
  EXPECT_EQ(WaitRun(c, admin, before_run).at("state").as_string(), "succeeded");
  for (const Ack& a : acked) {
    const auto run = WaitRun(c, admin, a.run);
    EXPECT_EQ(run.at("state").as_string(), "succeeded")
        << a.key << ": " << boost::json::serialize(run);
  }
  // Every acknowledged create is there exactly once; no retry made another.
  const std::string conninfo = (*pg)->conninfo();
  for (const Ack& a : acked) {
    EXPECT_EQ(PgNumber(conninfo, "SELECT COUNT(*) FROM workspaces WHERE id = '" + a.workspace +
                                     "' AND name = 'Load " + a.key + "' AND status = 'active'"),
              1)
        << a.key;
  }
  EXPECT_EQ(PgNumber(conninfo, "SELECT COUNT(*) FROM workspaces WHERE name LIKE 'Load %'"),
            kWriters * kEach);
  EXPECT_EQ(PgNumber(conninfo, "SELECT COUNT(*) FROM provisioning_runs WHERE state <> 'succeeded'"),
            0);
  EXPECT_EQ(c.Get("/readyz").status, 200);
  const HttpResponse got = c.Get("/v1/workspaces/" + ws, admin);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json(got.body).as_object().at("name").as_string(), "Before");
  auto verify =
      RunWorkspaced({"audit", "verify", "--data-dir", o.data_dir, "--database", (*pg)->conninfo()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  std::cout << "[ restart  ] " << refused.load() << " creates refused (503), "
            << refused_while_down.load() << " while the database was down, " << running
            << " runs in flight when it stopped\n";
}

}  // namespace
}  // namespace workspaced::testing

namespace workspaced::testing {
namespace {

// A create whose Idempotency-Key was reserved, then failed because the
// database went away, leaves its reservation behind (the release could not
// be written either). The client retrying with the same key once the
// database is back must get its workspace made, not a 409 for the whole
// abandonment window (60 s).
TEST(OnPostgres, AKeyReservedWhenTheDatabaseWentIsFreeForTheRetryOnceItIsBack) {
  auto pg = store::testing::PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  TempDir data;
  ServerProcess::Options o;
  o.data_dir = data.path() + "/data";
  o.config_json = FastSagaConfig();
  o.extra_args = {"--database", (*pg)->conninfo()};
  // The create is held after its key is reserved, before its transaction.
  o.env["WORKSPACED_FAILPOINTS"] = "create_request=delay(1500)";
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  const std::string admin = server->Token("admin");
  const std::string body = CreateBody(account, "Interrupted");
  auto first = std::async(std::launch::async, [&] {
    HttpClient c(server->port());
    return PostWorkspace(c, admin, body, "k-interrupted");
  });
  // Wait for the reservation, then take the database away under it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (PgNumber((*pg)->conninfo(), "SELECT COUNT(*) FROM idempotency_keys") < 1 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE((*pg)->Stop().ok());
  const HttpResponse failed = first.get();
  ExpectProblem(failed, 503);
  ASSERT_TRUE((*pg)->StartAgain().ok());
  EXPECT_EQ(PgNumber((*pg)->conninfo(), "SELECT COUNT(*) FROM idempotency_keys"), 1)
      << "the failed request's reservation is still stored";

  HttpClient c(server->port());
  HttpResponse retry;
  for (int i = 0; i < 100; ++i) {  // the pool reconnects within a few tries
    retry = PostWorkspace(c, admin, body, "k-interrupted");
    if (retry.status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(retry.status, 202) << retry.body;
  const HttpResponse replay = PostWorkspace(c, admin, body, "k-interrupted");
  EXPECT_EQ(replay.status, 202);
  EXPECT_EQ(replay.body, retry.body);
  EXPECT_EQ(PgNumber((*pg)->conninfo(),
                     "SELECT COUNT(*) FROM workspaces WHERE name = 'Interrupted'"),
            1);
}

}  // namespace
}  // namespace workspaced::testing
