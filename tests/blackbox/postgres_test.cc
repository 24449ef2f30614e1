// The real binary on PostgreSQL (--database): first start, a create driven
// through the whole saga, the audit chain verified, and everything still
// there after a restart.
#include <libpq-fe.h>

#include <algorithm>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

std::string DefaultAccount(const std::string& log) {
  const std::string key = "\"default_account_id\":\"";
  const auto at = log.find(key);
  return at == std::string::npos ? "" : log.substr(at + key.size(), 36);
}

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

// PostgreSQL goes away under the server: requests answer 503 problem+json
// (nothing is acknowledged that was not stored), and once it is back they
// succeed again within seconds, every acknowledged write still there.
TEST(OnPostgres, WhileTheDatabaseIsDownRequestsAre503AndAfterItNothingAcknowledgedIsLost) {
  auto pg = store::testing::PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  TempDir data;
  ServerProcess::Options o;
  o.data_dir = data.path() + "/data";
  o.config_json = FastSagaConfig();
  o.extra_args = {"--database", (*pg)->conninfo()};
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  const HttpResponse created = PostWorkspace(c, admin, CreateBody(account, "Before"));
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string ws(Json(created.body).as_object().at("workspace_id").as_string());

  ASSERT_TRUE((*pg)->Stop().ok());
  ExpectProblem(c.Get("/v1/workspaces/" + ws, admin), 503);
  ExpectProblem(PostWorkspace(c, admin, CreateBody(account, "During")), 503);
  EXPECT_EQ(c.Get("/readyz").status, 503);

  ASSERT_TRUE((*pg)->StartAgain().ok());
  HttpResponse got;
  for (int i = 0; i < 100; ++i) {
    got = c.Get("/v1/workspaces/" + ws, admin);
    if (got.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json(got.body).as_object().at("name").as_string(), "Before");
  EXPECT_EQ(c.Get("/readyz").status, 200);
  const HttpResponse after = PostWorkspace(c, admin, CreateBody(account, "After"));
  ASSERT_EQ(after.status, 202) << after.body;
  const auto run = WaitRun(
      c, admin, std::string(Json(after.body).as_object().at("provisioning_run_id").as_string()));
  EXPECT_EQ(run.at("state").as_string(), "succeeded");
  // The refused create left nothing behind.
  const auto list = c.Get("/v1/workspaces/by-account/" + account, admin).body;
  EXPECT_EQ(list.find("During"), std::string::npos) << list;
}

}  // namespace
}  // namespace workspaced::testing
