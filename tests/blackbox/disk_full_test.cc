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

// Unmounts on destruction (before the directory holding it is removed).
struct Unmount {
  std::string dir;
  ~Unmount() {
    if (!dir.empty()) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

std::string Str(const boost::json::object& o, const char* key) {
  return o.at(key).is_null() ? "" : std::string(o.at(key).as_string());
}

TEST(DiskFull, AWriteIs503WithRetryAfterAndChangesNothingAndARunWaitsForSpace) {
  TempDir tmp;
  const std::string mount_point = tmp.path() + "/disk";
  std::filesystem::create_directories(mount_point);
  const std::string why = MountSmallTmpfs(mount_point, 16);
  if (!why.empty()) GTEST_SKIP() << "no private tmpfs here (" << why << ")";
  const Unmount unmount{mount_point};

  ServerProcess::Options o;
  o.data_dir = mount_point + "/data";
  // The run's dataplane step waits a moment, so the disk fills under it.
  o.config_json = FastSagaConfig(1000);
  o.env["WORKSPACED_FAILPOINTS"] = "provision_dataplane=delay(1000)";
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  const auto workspaces = [&] { return CountRows(o.data_dir, "SELECT COUNT(*) FROM workspaces"); };

  const HttpResponse caught = PostWorkspace(c, admin, CreateBody(account, "Caught"));
  ASSERT_EQ(caught.status, 202) << caught.body;
  const std::string run_id = Str(Json(caught.body).as_object(), "provisioning_run_id");
  const std::string filler = mount_point + "/filler";
  ASSERT_GT(FillUp(filler), 0);
  const long long before = workspaces();

  // A write: 503, Retry-After, the reason and its code, and no workspace.
  const HttpResponse refused = PostWorkspace(c, admin, CreateBody(account, "Refused"));
  ExpectProblem(refused, 503);
  EXPECT_EQ(refused.Header("Retry-After"), "30");
  const auto problem = Json(refused.body).as_object();
  EXPECT_EQ(Str(problem, "code"), "storage_full");
  EXPECT_EQ(Str(problem, "detail"), "the service's storage is full");
  EXPECT_EQ(workspaces(), before);
  // Reads go on.
  EXPECT_EQ(c.Get("/v1/workspaces", admin).status, 200);

  // The run caught by it waits: it neither fails nor gives up its attempts.
  ASSERT_TRUE(Eventually([&] {
    const std::string log = server->Output();
    return log.find("storage_full") != std::string::npos &&
           log.find("could not record a failed attempt") != std::string::npos;
  })) << server->Output();
  const HttpResponse waiting = c.Get("/v1/provisioning-runs/" + run_id, admin);
  ASSERT_EQ(waiting.status, 200);
  EXPECT_EQ(Str(Json(waiting.body).as_object(), "state"), "running") << waiting.body;

  // Space again: the run finishes, and writes are accepted.
  std::filesystem::remove(filler);
  const auto run = WaitRun(c, admin, run_id);
  EXPECT_EQ(Str(run, "state"), "succeeded") << boost::json::serialize(run);
  const HttpResponse accepted = PostWorkspace(c, admin, CreateBody(account, "After"));
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(
      Str(WaitRun(c, admin, Str(Json(accepted.body).as_object(), "provisioning_run_id")), "state"),
      "succeeded");
  EXPECT_EQ(CountRows(o.data_dir, "SELECT COUNT(*) FROM workspaces WHERE name = 'Refused'"), 0);
  server->Stop();
  EXPECT_EQ(RunWorkspaced({"audit", "verify", "--data-dir", o.data_dir}).exit_code, 0);
}

// Runs one statement on PostgreSQL; its error, or "".
std::string PgExec(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(conninfo.c_str()), &PQfinish);
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  return PQresultStatus(r.get()) == PGRES_COMMAND_OK ? "" : PQerrorMessage(c.get());
}

TEST(DiskFull, OnPostgresAWriteIs503WithRetryAfterAndChangesNothingUntilThereIsSpace) {
  TempDir tmp;
  const std::string mount_point = tmp.path() + "/disk";
  std::filesystem::create_directories(mount_point);
  const std::string why = MountSmallTmpfs(mount_point, 16);
  if (!why.empty()) GTEST_SKIP() << "no private tmpfs here (" << why << ")";
  const Unmount unmount{mount_point};
  // The server (started after the mount, so it sees it) keeps the database
  // in a tablespace on the tmpfs; as root it runs as `postgres`.
  const std::string tablespace = mount_point + "/pg";
  std::filesystem::create_directories(tablespace);
  if (::getuid() == 0) {
    const passwd* pg_user = ::getpwnam("postgres");
    if (pg_user == nullptr || ::chown(tablespace.c_str(), pg_user->pw_uid, pg_user->pw_gid) != 0 ||
        ::chmod(tmp.path().c_str(), 0755) != 0)
      GTEST_SKIP() << "the tablespace cannot be handed to the postgres user";
  }
  auto pg = store::testing::PostgresServer::Start(/*own=*/true);
  ASSERT_TRUE(pg.ok()) << pg.status().message();
  auto conninfo = (*pg)->CreateDatabase("fulldisk");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
  ASSERT_EQ(
      PgExec((*pg)->conninfo(), "CREATE TABLESPACE tmpfs_space LOCATION '" + tablespace + "'"), "");
  ASSERT_EQ(PgExec((*pg)->conninfo(), "ALTER DATABASE fulldisk SET TABLESPACE tmpfs_space"), "");

  ServerProcess::Options o;
  o.data_dir = tmp.path() + "/data";
  o.config_json = FastSagaConfig(1000);
  o.extra_args = {"--database", *conninfo};
  SetBlackboxDatabase(o.data_dir, *conninfo);
  auto server = ServerProcess::Start(o);
  const std::string account = DefaultAccount(server->Output());
  HttpClient c(server->port());
  const std::string admin = server->Token("admin");
  const auto workspaces = [&] { return CountRows(o.data_dir, "SELECT COUNT(*) FROM workspaces"); };
  const std::string filler = mount_point + "/filler";
  ASSERT_GT(FillUp(filler), 0);

  // PostgreSQL writes into the pages its tables have; the first write that
  // needs a new one meets the full disk (53100).
  std::vector<std::string> runs;
  HttpResponse refused;
  long long before = 0;
  for (int i = 0; i < 500; ++i) {
    before = workspaces();
    refused = PostWorkspace(c, admin, CreateBody(account, "Refused " + std::to_string(i)));
    if (refused.status != 202) break;
    runs.push_back(Str(Json(refused.body).as_object(), "provisioning_run_id"));
  }
  ExpectProblem(refused, 503);
  EXPECT_EQ(refused.Header("Retry-After"), "30");
  EXPECT_EQ(Str(Json(refused.body).as_object(), "code"), "storage_full") << refused.body;
  EXPECT_EQ(workspaces(), before);
  // The log has what PostgreSQL said, with the request id.
  const std::string log = server->Output();
  const std::size_t said = log.find("No space left on device");
  ASSERT_NE(said, std::string::npos);
  EXPECT_NE(log.substr(log.rfind('\n', said) + 1, 400).find(refused.Header("X-Request-Id")),
            std::string::npos);

  // Space again: every run accepted before finishes, and writes are accepted.
  std::filesystem::remove(filler);
  for (const std::string& run : runs) {
    const auto done = WaitRun(c, admin, run);
    EXPECT_EQ(Str(done, "state"), "succeeded") << boost::json::serialize(done);
  }
  const HttpResponse accepted = PostWorkspace(c, admin, CreateBody(account, "After"));
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(
      Str(WaitRun(c, admin, Str(Json(accepted.body).as_object(), "provisioning_run_id")), "state"),
      "succeeded");
}

}  // namespace
}  // namespace workspaced::testing
