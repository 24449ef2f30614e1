// `workspaced serve` and its companions as an operator meets them.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

TEST(Serve, FirstStartCreatesDataDirKeyDatabaseAndDefaultAccount) {
  auto server = ServerProcess::Start();
  const std::string dir = server->data_dir();
  struct stat st {};
  ASSERT_EQ(stat((dir + "/dev-signing.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // The database file, unless this run puts the server on PostgreSQL.
  EXPECT_EQ(std::filesystem::exists(dir + "/workspaced.db"), BlackboxDatabase(dir).empty());
  EXPECT_NE(server->Output().find("workspaced token --sub admin"), std::string::npos);

  Seeder seed(dir);
  const std::string account = seed.DefaultAccount();
  ASSERT_TRUE(IsUuid(account));
  // The default account's admin is the subject "admin".
  HttpClient c(server->port());
  auto r = c.Get("/v1/workspaces/by-account/" + account, server->Token("admin"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "[]");
  ExpectProblem(c.Get("/v1/workspaces/by-account/" + account, server->Token("someone-else")), 404);
}

// The embedded default never loads libpq (and the twenty libraries it
// brings, ~3.5 MiB resident: store/libpq.h); a server on PostgreSQL loads it
// when it connects.
TEST(Serve, LibpqIsLoadedOnlyByAServerOnPostgres) {
  auto server = ServerProcess::Start();
  HttpClient c(server->port());
  ASSERT_EQ(c.Get("/v1/workspaces", server->Token("admin")).status, 200);
  std::ifstream maps("/proc/" + std::to_string(server->pid()) + "/maps");
  const std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  const bool on_postgres = !BlackboxDatabase(server->data_dir()).empty();
  EXPECT_EQ(text.find("libpq.so") != std::string::npos, on_postgres) << text;
}

TEST(Serve, RestartReusesKeyDatabaseAndDefaultAccount) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/data";
  std::string token, account;
  {
    auto server = ServerProcess::Start({.data_dir = dir});
    token = server->Token("admin");
    account = Seeder(dir).DefaultAccount();
    EXPECT_EQ(server->Stop(SIGTERM), 0);
  }
  auto server = ServerProcess::Start({.data_dir = dir});
  EXPECT_EQ(Seeder(dir).DefaultAccount(), account);
  HttpClient c(server->port());
  // A token minted before the restart still verifies: the key was reused.
  EXPECT_EQ(c.Get("/v1/workspaces", token).status, 200);
}

TEST(Serve, HealthReadinessAndMetrics) {
  auto server = ServerProcess::Start();
  HttpClient c(server->port());
  auto h = c.Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_FALSE(h.Header("X-Request-Id").empty());
  EXPECT_EQ(c.Get("/readyz").status, 200);
  c.Get("/v1/workspaces", server->Token("admin"));
  c.Get("/v1/workspaces/not-a-uuid", server->Token("admin"));
  auto m = c.Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("Content-Type").rfind("text/plain", 0), 0u);
  EXPECT_NE(m.body.find("workspaced_http_requests_total{method=\"GET\",route=\"/v1/"
                        "workspaces\",status=\"200\"} 1"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("route=\"/v1/workspaces/{workspace_id}\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("workspaced_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("workspaced_http_requests_in_flight"), std::string::npos);
}

TEST(Serve, SigtermExitsZeroAndLogsJsonAccessLines) {
  auto server = ServerProcess::Start();
  HttpClient c(server->port());
  auto r = c.Send("GET", "/healthz", {{"X-Request-Id", "trace-me-42"}});
  EXPECT_EQ(r.Header("X-Request-Id"), "trace-me-42");
  EXPECT_EQ(server->Stop(SIGTERM), 0);
  const std::string out = server->Output();
  EXPECT_NE(out.find("\"msg\":\"request\",\"request_id\":\"trace-me-42\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("\"msg\":\"stopped\""), std::string::npos) << out;
}

TEST(Serve, SigintAlsoStopsCleanly) {
  auto server = ServerProcess::Start();
  EXPECT_EQ(server->Stop(SIGINT), 0);
}

// The address and the URLs the start-up log gives work as printed: an
// IPv6 host is in brackets (it printed CP_URL=http://::1:45047).
TEST(Serve, AnIpv6AddressIsPrintedInBrackets) {
  TempDir dir;
  const CommandResult r = RunShell(
      "\"$WS\" serve --listen '[::1]:0' --data-dir \"$DIR/data\" >\"$DIR/out\" 2>&1 & pid=$!\n"
      "i=0; until grep -q '\"msg\":\"get a dev token\"' \"$DIR/out\"; do i=$((i+1)); "
      "[ $i -gt 1000 ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.02; done\n"
      "kill -TERM $pid; wait $pid; cat \"$DIR/out\"",
      {{"WS", WorkspacedBin()}, {"DIR", dir.path()}});
  if (r.out.find("\"msg\":\"listening\"") == std::string::npos)
    GTEST_SKIP() << "no IPv6 loopback here: " << r.out.substr(0, 300);
  EXPECT_NE(r.out.find("\"addr\":\"[::1]:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CP_URL=http://[::1]:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"portal\":\"http://[::1]:"), std::string::npos) << r.out;
}

// A stop signal while the server starts (here held by a failpoint before
// it opens its data directory) ends the process at once; the signals were
// blocked until it listened, so SIGTERM and Ctrl-C did nothing for as long
// as start-up took (found by an outside audit).
TEST(Serve, AStopSignalDuringStartUpEndsTheProcessAtOnce) {
  TempDir dir;
  const std::string out = dir.path() + "/out";
  const CommandResult r = RunShell(
      "\"$WS\" serve --listen 127.0.0.1:0 --data-dir \"$DIR/data\" >\"$OUT\" 2>&1 & pid=$!\n"
      "i=0; until grep -q 'start-up delayed' \"$OUT\"; do i=$((i+1)); [ $i -gt 1000 ] && break; "
      "sleep 0.02; done\n"
      "kill -TERM $pid; wait $pid; echo \"rc=$?\"",
      {{"WS", WorkspacedBin()},
       {"DIR", dir.path()},
       {"OUT", out},
       {"WORKSPACED_FAILPOINTS", "serve_start=delay(120000)"}});
  std::ifstream in(out);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(r.out.find("rc=143"), std::string::npos) << r.out << r.err << log;
  EXPECT_NE(log.find("stopping during start-up"), std::string::npos) << log;
}

TEST(Cli, AccountsCreatePrintsTheAccountAndItsAdminCanReadIt) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/data";
  auto created = RunWorkspaced(
      {"accounts", "create", "--name", "Acme", "--admin", "alice", "--data-dir", dir});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto account = Json(created.out).as_object();
  EXPECT_EQ(account.at("name").as_string(), "Acme");
  const std::string id(account.at("id").as_string());
  auto server = ServerProcess::Start({.data_dir = dir});
  HttpClient c(server->port());
  EXPECT_EQ(c.Get("/v1/workspaces/by-account/" + id, server->Token("alice")).status, 200);
  // Platform admins (`admin` by default) manage every account; others see none.
  EXPECT_EQ(c.Get("/v1/workspaces/by-account/" + id, server->Token("admin")).status, 200);
  EXPECT_EQ(c.Get("/v1/workspaces/by-account/" + id, server->Token("mallory")).status, 404);
}

TEST(Cli, BadUsageExitsTwoWithAMessage) {
  TempDir tmp;
  const std::string unused = tmp.path() + "/unused";
  auto r =
      RunWorkspaced({"accounts", "create", "--name", "", "--admin", "x", "--data-dir", unused});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("name"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(unused));  // nothing was created
  EXPECT_EQ(RunWorkspaced({"token"}).exit_code, 2);
  EXPECT_EQ(RunWorkspaced({"token", "--sub", "a", "--ttl", "forever"}).exit_code, 2);
}

// A key made by `token` would not be the server's: every token it signed
// would answer 401 "signature mismatch". It fails instead, naming where it
// looked and how to start the server, and creates nothing.
TEST(Cli, TokenNeverCreatesAKeyAndSaysWhereItLookedAndHowToStartTheServer) {
  TempDir tmp;
  const std::string missing = tmp.path() + "/no-such-dir";
  CommandResult r = RunWorkspaced({"token", "--sub", "admin", "--data-dir", missing});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("workspaced serve --data-dir"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(missing));

  const std::string empty = tmp.path() + "/empty";
  std::filesystem::create_directories(empty);
  r = RunWorkspaced({"token", "--sub", "admin", "--data-dir", empty});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(empty + "/dev-signing.key"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(empty));
}

// `workspaced token` prints only what the server it names would accept: the
// server's own claim check runs on the token, with the configuration's
// lifetime limit. A refused one is exit 2 with the reason and nothing on
// stdout; the accepted one works.
TEST(Cli, TokenNeverPrintsATokenTheServerWouldRefuse) {
  TempDir tmp;
  const std::string config = R"({"auth":{"max_token_lifetime_seconds":3600}})";
  const std::string path = tmp.path() + "/c.json";
  std::ofstream(path) << config;
  auto server = ServerProcess::Start({.config_json = config});
  const auto token = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"token", "--config", path, "--data-dir", server->data_dir()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunWorkspaced(args);
  };
  const auto refused = [&](std::vector<std::string> extra, const std::string& why) {
    const CommandResult r = token(extra);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
  };
  refused({"--sub", "alice", "--ttl", "2h"}, "max_token_lifetime_seconds");
  refused({"--sub", " admin"}, "invalid sub");
  refused({"--sub", "ad\u200bmin"}, "invalid sub");  // a zero width space
  refused({"--sub", "alice", "--groups", "ops, dev"}, "invalid groups");

  const CommandResult ok = token({"--sub", "alice", "--ttl", "30m", "--groups", "ops,dev"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  std::string minted = ok.out;
  while (!minted.empty() && minted.back() == '\n') minted.pop_back();
  HttpClient c(server->port());
  EXPECT_EQ(c.Get("/v1/workspaces", minted).status, 200);
}

TEST(Cli, MigrateReportsTheSchemaVersionAndIsIdempotent) {
  TempDir tmp;
  auto a = RunWorkspaced({"migrate", "--data-dir", tmp.path()});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto b = RunWorkspaced({"migrate", "--data-dir", tmp.path()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_GE(Json(a.out).as_object().at("schema_version").as_int64(), 1);
}

TEST(Serve, RefusesAnUnknownConfigKey) {
  TempDir tmp;
  const std::string path = tmp.path() + "/c.json";
  std::ofstream(path) << R"({"listen":"127.0.0.1:0","limitz":{}})";
  auto r = RunWorkspaced({"serve", "--config", path, "--data-dir", tmp.path() + "/d"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("limitz"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace workspaced::testing
