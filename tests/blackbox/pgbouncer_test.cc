// Two replicas reaching PostgreSQL through Debian's PgBouncer in transaction
// mode, with fewer server connections than the replicas have transactions in
// flight, so consecutive transactions of one replica connection run on
// different server connections: with `database_prepared_statements: false`
// creates provision to the end, reads and lists answer, and the audit chain
// verifies (docs/postgresql.md, "Replicas behind a load balancer").
#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

constexpr char kPgBouncer[] = "/usr/sbin/pgbouncer";

// One libpq statement on `conninfo`; the error message, or "" when it ran.
std::string Exec(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) return PQerrorMessage(c.get());
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  const auto st = PQresultStatus(r.get());
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : PQerrorMessage(c.get());
}

// The value of `key` in a libpq connection string ("" when absent).
std::string ConninfoValue(const std::string& conninfo, const std::string& key) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "";
  }
  std::string value;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o)
    if (key == o->keyword && o->val != nullptr) value = o->val;
  PQconninfoFree(options);
  return value;
}

// A PgBouncer of its own (daemonized, stopped by pid on destruction), run as
// the `postgres` user when we are root: it refuses to run as root.
class PgBouncer {
 public:
  PgBouncer(const std::string& dir, const std::string& server_host, const std::string& server_port,
            const std::string& database, int port)
      : dir_(dir) {
    std::ofstream(dir + "/users.txt") << "\"postgres\" \"\"\n";
    std::ofstream(dir + "/pgbouncer.ini")
        << "[databases]\nws = host=" << server_host << (server_port.empty() ? "" : " port=")
        << server_port << " dbname=" << database << " user=postgres\n"
        << "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = " << port
        << "\nunix_socket_dir =\nauth_type = trust\nauth_file = " << dir
        << "/users.txt\npool_mode = transaction\ndefault_pool_size = 3\n"
        << "max_client_conn = 200\nlogfile = " << dir << "/pgbouncer.log\npidfile = " << dir
        << "/pgbouncer.pid\n";
    const std::string as =
        ::geteuid() == 0 ? "chown -R postgres: " + dir + " && runuser -u postgres -- " : "";
    started_ = RunShell(as + kPgBouncer + " -d " + dir + "/pgbouncer.ini");
  }
  ~PgBouncer() {
    std::ifstream pidfile(dir_ + "/pgbouncer.pid");
    pid_t pid = 0;
    if (pidfile >> pid && pid > 0) ::kill(pid, SIGTERM);
  }
  const CommandResult& started() const { return started_; }
  std::string Log() const {
    std::ifstream in(dir_ + "/pgbouncer.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string dir_;
  CommandResult started_;
};

TEST(PgBouncer, TwoReplicasInTransactionModeCreateProvisionAndRead) {
  if (::access(kPgBouncer, X_OK) != 0) GTEST_SKIP() << "no " << kPgBouncer << " (scripts/setup.sh)";
  auto pg = store::testing::PostgresServer::Start();
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  const std::string direct = (*pg)->conninfo();
  // A database of its own: PgBouncer passes no `options`, so no search_path
  // of a schema of our own.
  const std::string database = "ws_bouncer_" + std::to_string(::getpid());
  ASSERT_EQ(Exec(direct, "DROP DATABASE IF EXISTS " + database), "");
  ASSERT_EQ(Exec(direct, "CREATE DATABASE " + database), "");
  struct Drop {
    std::string conninfo, database;
    ~Drop() { (void)Exec(conninfo, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)"); }
  } drop{direct, database};

  TempDir bouncer_dir;
  ::chmod(bouncer_dir.path().c_str(), 0755);
  const int bouncer_port = UnusedPort();
  PgBouncer bouncer(bouncer_dir.path(), ConninfoValue(direct, "host"),
                    ConninfoValue(direct, "port"), database, bouncer_port);
  ASSERT_EQ(bouncer.started().exit_code, 0) << bouncer.started().out << bouncer.started().err;
  const std::string pooled =
      "host=127.0.0.1 port=" + std::to_string(bouncer_port) + " dbname=ws user=postgres";
  ASSERT_TRUE(Eventually([&] { return Exec(pooled, "SELECT 1").empty(); }, 10))
      << Exec(pooled, "SELECT 1") << bouncer.Log();

  TempDir dir;
  ServerProcess::Options o;
  o.data_dir = dir.path() + "/data";
  // LISTEN needs a session: the listening connection goes to PostgreSQL
  // directly, as docs/postgresql.md says to.
  const std::string listen = "host=" + ConninfoValue(direct, "host") +
                             " port=" + ConninfoValue(direct, "port") + " dbname=" + database +
                             " user=postgres";
  o.config_json = FastSagaConfig(1000, R"(,"database_prepared_statements":false,"database_pool":8,)"
                                       R"("database_listen":")" +
                                           listen + R"(")");
  o.extra_args = {"--database", pooled};
  SetBlackboxDatabase(o.data_dir, pooled);
  std::vector<std::unique_ptr<ServerProcess>> replicas;
  ServerLogsOnFailure logs{replicas};
  const std::string account = StartReplicas(o, 2, replicas);
  ASSERT_FALSE(account.empty());
  const std::string admin = replicas[0]->Token("admin");

  // Creates from four clients at once, round robin over the replicas.
  constexpr int kCreates = 40;
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<std::string> made, wrong;  // guarded by mu
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (int n = next++; n < kCreates; n = next++) {
        HttpClient c(replicas[n % 2]->port());
        const HttpResponse r =
            PostWorkspace(c, admin, CreateBody(account, "pooled " + std::to_string(n)));
        std::lock_guard lock(mu);
        if (r.status == 202) {
          made.emplace_back(Json(r.body).as_object().at("workspace_id").as_string());
        } else {
          wrong.push_back(std::to_string(r.status) + " " + r.body);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_TRUE(wrong.empty()) << wrong.front() << "\n" << bouncer.Log();
  ASSERT_EQ(made.size(), static_cast<std::size_t>(kCreates));

  // Every run provisions to the end, and each workspace reads back active on
  // either replica.
  ASSERT_TRUE(Eventually(
      [&] {
        return QueryNumber(o.data_dir,
                           "SELECT COUNT(*) FROM provisioning_runs WHERE state <> 'succeeded'") ==
               0;
      },
      60));
  for (std::size_t i = 0; i < made.size(); ++i) {
    HttpClient c(replicas[i % 2]->port());
    const HttpResponse got = c.Get("/v1/workspaces/" + made[i], admin);
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(Json(got.body).as_object().at("status").as_string(), "active");
  }
  HttpClient c(replicas[1]->port());
  const HttpResponse list = c.Get("/v1/workspaces?limit=100", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Json(list.body).as_array().size(), static_cast<std::size_t>(kCreates));
  // Commands on the database take the setting from their configuration too.
  const std::string cli_config = dir.path() + "/cli.json";
  std::ofstream(cli_config) << R"({"database_prepared_statements":false})";
  auto verify =
      RunWorkspaced({"audit", "verify", "--data-dir", o.data_dir, "--config", cli_config});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // The transactions did share server connections: PgBouncer keeps at most
  // three to the database for the two replicas' sixteen (this query runs on
  // one of them).
  EXPECT_LE(QueryNumber(o.data_dir, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '" +
                                        database + "' AND backend_type = 'client backend'"),
            3);
}

}  // namespace
}  // namespace workspaced::testing
