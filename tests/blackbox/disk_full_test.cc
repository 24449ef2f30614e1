// A full disk (issue 14): the server's data directory (SQLite) or its
// database's tablespace (PostgreSQL) is on a small tmpfs of its own — a mount
// namespace private to this test process and its children (as root, or in a
// user namespace where unprivileged ones are allowed) — which the test fills
// with a file and empties again. A write that finds no space answers 503
// with Retry-After and changes nothing; a provisioning run caught by it
// waits and finishes once there is space again.
#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out.flush());
}

// Mounts a tmpfs of `megabytes` at `dir`, seen only by this process and the
// ones it starts. Empty on success, else why it could not.
std::string MountSmallTmpfs(const std::string& dir, int megabytes) {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWNS) != 0) {
    // Not privileged: a user namespace makes us root of our own mounts.
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
      return std::string("unshare: ") + std::strerror(errno);
    if (!WriteFile("/proc/self/setgroups", "deny") ||
        !WriteFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !WriteFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
      return "cannot map the user namespace";
  }
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("mount --make-rprivate /: ") + std::strerror(errno);
  const std::string options = "size=" + std::to_string(megabytes) + "m,mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0)
    return std::string("mount tmpfs: ") + std::strerror(errno);
  return "";
}

// Writes `path` until the file system has no space left; its size.
long long FillUp(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  EXPECT_GE(fd, 0);
  const std::string block(64 * 1024, 'f');
  long long written = 0;
  while (true) {
    const ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    written += n;
  }
  EXPECT_EQ(errno, ENOSPC);
  // The last few bytes of pages already allocated stay writable; take them.
  for (ssize_t n = 1; n > 0;) n = ::write(fd, "f", 1);
  ::close(fd);
  return written;
}

std::string Str(const boost::json::object& o, const char* key) {
  return o.at(key).is_null() ? "" : std::string(o.at(key).as_string());
}

// Runs one statement on PostgreSQL; its error, or "".
std::string PgExec(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(conninfo.c_str()), &PQfinish);
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  return PQresultStatus(r.get()) == PGRES_COMMAND_OK ? "" : PQerrorMessage(c.get());
}

class DiskFull : public ::testing::Test {
 protected:
  void SetUp() override {
    disk_ = tmp_.path() + "/disk";
    std::filesystem::create_directories(disk_);
    const std::string why = MountSmallTmpfs(disk_, 16);
    if (!why.empty()) GTEST_SKIP() << "no private tmpfs here (" << why << ")";
    mounted_ = true;
  }
  void TearDown() override {
    server_.reset();
    pg_.reset();
    if (mounted_) ::umount2(disk_.c_str(), MNT_DETACH);  // before tmp_ is removed
  }

  void Start(ServerProcess::Options o) {
    data_dir_ = o.data_dir;
    server_ = ServerProcess::Start(std::move(o));
    account_ = DefaultAccount(server_->Output());
    c_ = std::make_unique<HttpClient>(server_->port());
    admin_ = server_->Token("admin");
  }
  HttpResponse Create(const std::string& name) {
    return PostWorkspace(*c_, admin_, CreateBody(account_, name));
  }
  std::string RunOf(const HttpResponse& accepted) {
    return Str(Json(accepted.body).as_object(), "provisioning_run_id");
  }
  long long Workspaces() { return CountRows(data_dir_, "SELECT COUNT(*) FROM workspaces"); }
  void Fill() { ASSERT_GT(FillUp(disk_ + "/filler"), 0); }
  void Free() { std::filesystem::remove(disk_ + "/filler"); }

  // A write that found no space: 503, Retry-After, the reason and its code;
  // nothing changed; the log has the detail with the request id.
  void ExpectRefusedForSpace(const HttpResponse& refused, long long workspaces_before) {
    ExpectProblem(refused, 503);
    EXPECT_EQ(refused.Header("Retry-After"), "30");
    const auto problem = Json(refused.body).as_object();
    EXPECT_EQ(Str(problem, "code"), "storage_full");
    EXPECT_EQ(Str(problem, "detail"), "the service's storage is full");
    EXPECT_EQ(Workspaces(), workspaces_before);
    const std::string id = refused.Header("X-Request-Id");
    std::string log;
    std::size_t line = std::string::npos;  // "request failed", once the log is read
    ASSERT_TRUE(Eventually([&] {
      log = server_->Output();
      line = log.find(id + "\",\"route\"");
      return line != std::string::npos;
    })) << "no log line for "
        << id;
    EXPECT_NE(log.substr(line, log.find('\n', line) - line).find("storage_full"),
              std::string::npos);
  }
  // Once there is space: `runs` finish, and a new create runs to the end.
  void ExpectEverythingProceeds(const std::vector<std::string>& runs) {
    for (const std::string& run : runs)
      EXPECT_EQ(Str(WaitRun(*c_, admin_, run), "state"), "succeeded") << run;
    const HttpResponse accepted = Create("After");
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    EXPECT_EQ(Str(WaitRun(*c_, admin_, RunOf(accepted)), "state"), "succeeded");
  }

  TempDir tmp_;
  std::string disk_, data_dir_;
  bool mounted_ = false;
  std::unique_ptr<store::testing::PostgresServer> pg_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string account_, admin_;
};

TEST_F(DiskFull, AWriteIs503WithRetryAfterAndChangesNothingAndARunWaitsForSpace) {
  ServerProcess::Options o;
  o.data_dir = disk_ + "/data";
  // The run's dataplane step waits a moment, so the disk fills under it.
  o.config_json = FastSagaConfig(1000);
  o.env["WORKSPACED_FAILPOINTS"] = "provision_dataplane=delay(1000)";
  Start(o);
  const HttpResponse caught = Create("Caught");
  ASSERT_EQ(caught.status, 202) << caught.body;
  Fill();
  const long long before = Workspaces();
  ExpectRefusedForSpace(Create("Refused"), before);
  EXPECT_EQ(c_->Get("/v1/workspaces", admin_).status, 200);  // reads go on

  // The run caught by it waits: it neither fails nor gives up its attempts.
  ASSERT_TRUE(Eventually([&] {
    return server_->Output().find("could not record a failed attempt") != std::string::npos;
  })) << server_->Output();
  const HttpResponse waiting = c_->Get("/v1/provisioning-runs/" + RunOf(caught), admin_);
  ASSERT_EQ(waiting.status, 200);
  EXPECT_EQ(Str(Json(waiting.body).as_object(), "state"), "running") << waiting.body;

  Free();
  ExpectEverythingProceeds({RunOf(caught)});
  EXPECT_EQ(CountRows(data_dir_, "SELECT COUNT(*) FROM workspaces WHERE name = 'Refused'"), 0);
  server_->Stop();
  EXPECT_EQ(RunWorkspaced({"audit", "verify", "--data-dir", data_dir_}).exit_code, 0);
}

TEST_F(DiskFull, OnPostgresAWriteIs503WithRetryAfterAndChangesNothingUntilThereIsSpace) {
  // The database lives in a tablespace on the tmpfs, of a server started
  // after the mount (so it sees it); as root it runs as `postgres`.
  const std::string tablespace = disk_ + "/pg";
  std::filesystem::create_directories(tablespace);
  if (::getuid() == 0) {
    const passwd* pg_user = ::getpwnam("postgres");
    if (pg_user == nullptr || ::chown(tablespace.c_str(), pg_user->pw_uid, pg_user->pw_gid) != 0 ||
        ::chmod(tmp_.path().c_str(), 0755) != 0)
      GTEST_SKIP() << "the tablespace cannot be handed to the postgres user";
  }
  auto pg = store::testing::PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  pg_ = std::move(*pg);
  auto conninfo = pg_->CreateDatabase("fulldisk");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  ASSERT_EQ(PgExec(pg_->conninfo(), "CREATE TABLESPACE tmpfs_space LOCATION '" + tablespace + "'"),
            "");
  ASSERT_EQ(PgExec(pg_->conninfo(), "ALTER DATABASE fulldisk SET TABLESPACE tmpfs_space"), "");
  ServerProcess::Options o;
  o.data_dir = tmp_.path() + "/data";
  o.config_json = FastSagaConfig(1000);
  o.extra_args = {"--database", *conninfo};
  SetBlackboxDatabase(o.data_dir, *conninfo);
  Start(o);
  Fill();

  // PostgreSQL writes into the pages its tables have; the first write that
  // needs a new one meets the full disk (53100).
  std::vector<std::string> runs;
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    const long long before = Workspaces();
    const HttpResponse r = Create("Maybe " + std::to_string(i));
    refused = r.status != 202;
    if (refused) ExpectRefusedForSpace(r, before);
    if (!refused) runs.push_back(RunOf(r));
  }
  ASSERT_TRUE(refused) << "500 creates found space";
  EXPECT_TRUE(Eventually(
      [&] { return server_->Output().find("No space left on device") != std::string::npos; }));
  Free();
  ExpectEverythingProceeds(runs);
}

}  // namespace
}  // namespace workspaced::testing
