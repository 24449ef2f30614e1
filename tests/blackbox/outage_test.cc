// PostgreSQL goes away under work in progress and comes back: provisioning
// runs caught in the middle of a step finish, and the SpiceDB relay resumes
// delivering until the engine holds exactly the database's relationships.
// Each test starts a PostgreSQL of its own, to stop it.
#include <libpq-fe.h>

#include <fstream>
#include <set>

#include "blackbox/provisioning_support.h"
#include "spicedb/embedded.h"
#include "spicedb/testing/forwarder.h"
#include "store/pg_store.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

// How often `text` occurs in `log`.
int Occurrences(const std::string& log, const std::string& text) {
  int n = 0;
  for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
  return n;
}

// The first column of the first row of `sql` on PostgreSQL as a number; -1
// while the database does not answer.
long long PgNumber(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) return -1;
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) == 0) return -1;
  return std::stoll(PQgetvalue(r.get(), 0, 0));
}

std::string RunId(const HttpResponse& created) {
  return std::string(Json(created.body).as_object().at("provisioning_run_id").as_string());
}

TEST(PostgresOutage, RunsCaughtMidStepFinishOnceTheDatabaseIsBack) {
  auto pg = store::testing::PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  TempDir data;
  ServerProcess::Options o;
  o.data_dir = data.path() + "/data";
  o.config_json = R"({"saga":{"workers":4,"backoff_initial_ms":10,"backoff_max_ms":40,)"
                  R"("lease_ms":1000,"poll_ms":50,"max_attempts":4}})";
  o.extra_args = {"--database", (*pg)->conninfo()};
  o.env["WORKSPACED_FAILPOINTS"] = "provision_dataplane=delay(1000)";
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  std::vector<std::string> runs;
  for (int i = 0; i < 3; ++i) {
    const HttpResponse created =
        PostWorkspace(c, admin, CreateBody(account, "In Flight " + std::to_string(i)));
    ASSERT_EQ(created.status, 202) << created.body;
    runs.push_back(RunId(created));
  }
  // Every run is inside provision_dataplane (held there a second).
  ASSERT_TRUE(Eventually([&] {
    for (const auto& run : runs) {
      const auto r = Json(c.Get("/v1/provisioning-runs/" + run, admin).body).as_object();
      const auto& step = r.at("current_step");
      if (!step.is_string() || step.as_string() != "provision_dataplane") return false;
    }
    return true;
  }));

  ASSERT_TRUE((*pg)->Stop().ok());
  // The held steps end while the database is down: none can be recorded
  // (a step that failed for want of the database, or one whose External part
  // succeeded and whose commit could not be made).
  ASSERT_TRUE(Eventually([&] {
    return Occurrences(server->Output(), "saga: could not record a failed attempt") +
               Occurrences(server->Output(), "saga: could not record a step's outcome") >=
           1;
  })) << server->Output();
  ASSERT_TRUE((*pg)->StartAgain().ok());

  for (const auto& run : runs) {
    const auto done = WaitRun(c, admin, run);
    ASSERT_EQ(done.at("state").as_string(), "succeeded") << boost::json::serialize(done);
    const std::string ws(done.at("workspace_id").as_string());
    const auto got = Json(c.Get("/v1/workspaces/" + ws, admin).body).as_object();
    EXPECT_EQ(got.at("status").as_string(), "active");
    EXPECT_EQ(Json(c.Get("/v1/workspaces/" + ws + "/environments", admin).body).as_array().size(),
              3u);
    EXPECT_TRUE(DataplaneFileExists(o.data_dir, ws));
  }
  const auto verify =
      RunWorkspaced({"audit", "verify", "--data-dir", o.data_dir, "--database", (*pg)->conninfo()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// Every relationship the engine holds, for the resource types of `rels`.
std::set<model::Relationship> EngineRelationships(spicedb::Client& engine,
                                                  const std::set<model::Relationship>& rels) {
  std::set<std::string> types{"account", "workspace", "environment", "group"};
  for (const auto& r : rels) types.insert(r.resource_type);
  std::set<model::Relationship> out;
  for (const auto& type : types) {
    const Status s = engine.ReadRelationships(type, [&](const model::Relationship& r) {
      out.insert(r);
      return true;
    });
    EXPECT_TRUE(s.ok()) << type << ": " << s.message();
  }
  return out;
}

TEST(PostgresOutage, TheSpiceDbRelayResumesAfterTheDatabaseAndSpiceDbConverges) {
  auto pg = store::testing::PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  auto engine = spicedb::StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  TempDir data;
  const std::string socket = "unix://" + data.path() + "/spicedb.sock";
  std::ofstream(data.path() + "/key") << "k3y\n";
  ServerProcess::Options o;
  o.data_dir = data.path() + "/data";
  o.config_json = FastSagaConfig(1000, R"(,"spicedb":{"target":"grpc","endpoint":")" + socket +
                                           R"(","tls":false,"preshared_key_file":")" + data.path() +
                                           R"(/key","poll_ms":20,"lease_ms":1000})");
  o.extra_args = {"--database", (*pg)->conninfo()};
  // SpiceDB is not there yet: the changes wait in the outbox.
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  for (int i = 0; i < 2; ++i) {
    const HttpResponse created =
        PostWorkspace(c, admin,
                      CreateBody(account, "Relayed " + std::to_string(i),
                                 R"(,"group_mappings":[{"group_name":"eng","role":"viewer"}])"));
    ASSERT_EQ(created.status, 202) << created.body;
    ASSERT_EQ(WaitRun(c, admin, RunId(created)).at("state").as_string(), "succeeded");
  }
  const std::string undelivered =
      "SELECT COUNT(*) FROM relationship_outbox WHERE delivered_at IS NULL";
  const std::string& database = (*pg)->conninfo();
  ASSERT_GT(PgNumber(database, undelivered), 6);

  // The database goes down; SpiceDB comes up meanwhile. The relay fails on
  // the database now.
  ASSERT_TRUE((*pg)->Stop().ok());
  spicedb::testing::Forwarder forwarder(**engine, "k3y");
  const auto grpc_server = spicedb::testing::ServeForwarder(forwarder, socket);
  ASSERT_NE(grpc_server, nullptr);
  const std::string failed = "spicedb relay: delivery failed";
  const int failures = Occurrences(server->Output(), failed);
  ASSERT_TRUE(Eventually([&] { return Occurrences(server->Output(), failed) > failures; }))
      << server->Output();
  ASSERT_TRUE((*pg)->StartAgain().ok());

  // The relay resumes: the outbox drains and SpiceDB holds what we hold.
  EXPECT_TRUE(Eventually([&] { return PgNumber(database, undelivered) == 0; })) << server->Output();
  auto store = store::OpenPostgresStore({.conninfo = database, .pool_size = 1});
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::set<model::Relationship> ours;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) {
                    return tx.ForEachRelationship([&](const model::Relationship& r) {
                      ours.insert(r);
                      return true;
                    });
                  })
                  .ok());
  EXPECT_GT(ours.size(), 12u);
  EXPECT_EQ(EngineRelationships(**engine, ours), ours);
  // And what is made after the outage follows.
  const HttpResponse after = PostWorkspace(c, admin, CreateBody(account, "After"));
  ASSERT_EQ(after.status, 202) << after.body;
  ASSERT_EQ(WaitRun(c, admin, RunId(after)).at("state").as_string(), "succeeded");
  EXPECT_TRUE(Eventually([&] { return PgNumber(database, undelivered) == 0; }));
  EXPECT_EQ(PgNumber(database, "SELECT COUNT(*) FROM relationships"),
            static_cast<long long>(EngineRelationships(**engine, ours).size()));
}

}  // namespace
}  // namespace workspaced::testing
