#include "store/testing/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace workspaced::store::testing {
namespace {

// The newest installed server's binaries (/usr/lib/postgresql/<major>/bin).
std::string FindBinDir() {
  std::string best;
  int best_major = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const int major = std::atoi(e.path().filename().c_str());
    if (major > best_major && std::filesystem::exists(e.path() / "bin" / "initdb")) {
      best_major = major;
      best = (e.path() / "bin").string();
    }
  }
  return best;
}

}  // namespace

Status PostgresServer::Run(const std::string& command, std::string* output) const {
  std::string out;
  FILE* p = ::popen((as_user_ + command + " 2>&1").c_str(), "r");
  if (p == nullptr) return Unavailable("postgres: cannot run " + command);
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  if (output != nullptr) *output = out;
  if (status != 0) return Unavailable("postgres: `" + command + "` failed:\n" + out);
  return Status::Ok();
}

StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start(bool own) {
  std::unique_ptr<PostgresServer> pg(new PostgresServer());
  if (const char* external = std::getenv("WS_TEST_POSTGRES"); !own && external && *external) {
    pg->conninfo_ = external;
    return pg;
  }
  pg->bin_ = FindBinDir();
  if (pg->bin_.empty())
    return Unavailable("postgres: no server under /usr/lib/postgresql (bash scripts/setup.sh)");
  char tmpl[] = "/tmp/ws-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Unavailable("postgres: mkdtemp failed");
  pg->dir_ = tmpl;
  if (::geteuid() == 0) {
    // initdb refuses root: the cluster belongs to the postgres system user.
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return Unavailable("postgres: running as root and no `postgres` user");
    if (::chown(pg->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      return Unavailable("postgres: cannot hand " + pg->dir_ + " to the postgres user");
    pg->as_user_ = "runuser -u postgres -- ";
  }
  WS_RETURN_IF_ERROR(pg->Run(pg->bin_ + "/initdb --no-sync -A trust -U postgres -E UTF8 -D " +
                             pg->dir_ + "/data"));
  WS_RETURN_IF_ERROR(pg->StartAgain());
  pg->conninfo_ = "host=" + pg->dir_ + " dbname=postgres user=postgres";
  return pg;
}

Status PostgresServer::StartAgain() {
  // Only a unix socket in our directory. fsync off: the tests crash the
  // server process, never the machine, and the OS keeps what was written;
  // synchronous_commit stays on, so an acknowledged commit survives a crash.
  return Run(bin_ + "/pg_ctl -w -t 60 -D " + dir_ + "/data -l " + dir_ + "/server.log -o \"-k " +
             dir_ + " -c listen_addresses='' -c fsync=off -c max_connections=200 -c max_pred_locks_per_transaction=256 -c track_commit_timestamp=on\" start");
}

Status PostgresServer::Stop() {
  if (dir_.empty()) return Status::Ok();
  return Run(bin_ + "/pg_ctl -w -D " + dir_ + "/data -m immediate stop");
}

Status PostgresServer::Restart() {
  WS_RETURN_IF_ERROR(Stop());
  return StartAgain();
}

StatusOr<std::string> PostgresServer::CreateDatabase(const std::string& name) {
  const std::string host = dir_.empty() ? "" : " -h " + dir_;
  std::string out;
  const std::string psql = dir_.empty() ? "psql" : bin_ + "/psql";
  WS_RETURN_IF_ERROR(Run(psql + host +
                             " -U postgres -d postgres -v ON_ERROR_STOP=1 -qc 'CREATE DATABASE \"" +
                             name + "\"'",
                         &out));
  if (dir_.empty()) return conninfo_ + " dbname=" + name;
  return "host=" + dir_ + " dbname=" + name + " user=postgres";
}

PostgresServer::~PostgresServer() {
  if (dir_.empty()) return;
  (void)Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

namespace {

// The server of FreshPostgresSchema and the schemas it made. At exit the
// schemas are dropped (a shared server, WS_TEST_POSTGRES, outlives this
// process), then an own server is stopped.
struct SchemaServer {
  std::unique_ptr<PostgresServer> server;
  std::vector<std::string> schemas;
  int counter = 0;

  ~SchemaServer() {
    if (!server || schemas.empty()) return;
    PGconn* c = PQconnectdb(server->conninfo().c_str());
    if (PQstatus(c) == CONNECTION_OK) {
      PQsetNoticeProcessor(
          c, [](void*, const char*) {}, nullptr);
      // A server of the test still connected must not hold the exit up long.
      std::string sql = "SET lock_timeout = '5s';";
      for (const auto& schema : schemas) sql += "DROP SCHEMA IF EXISTS " + schema + " CASCADE;";
      PQclear(PQexec(c, sql.c_str()));
    }
    PQfinish(c);
  }
};

}  // namespace

StatusOr<std::string> FreshPostgresSchema() {
  static std::mutex mu;
  static SchemaServer state;
  std::lock_guard lock(mu);
  if (!state.server) {
    WS_ASSIGN_OR_RETURN(state.server, PostgresServer::Start());
  }
  const std::unique_ptr<PostgresServer>& server = state.server;
  const std::string schema =
      "t" + std::to_string(::getpid()) + "_" + std::to_string(++state.counter);
  state.schemas.push_back(schema);
  PGconn* c = PQconnectdb(server->conninfo().c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = PQerrorMessage(c);
    PQfinish(c);
    return Unavailable("postgres: " + m);
  }
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);  // "does not exist, skipping"
  PGresult* r =
      PQexec(c, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string m = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) return Unavailable("postgres: " + m);
  return server->conninfo() + " options='-c search_path=" + schema + "'";
}

}  // namespace workspaced::store::testing
