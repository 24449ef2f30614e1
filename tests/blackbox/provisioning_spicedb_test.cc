// The provisioning saga delivering relationships to the real SpiceDB engine
// (spicedb.target embedded, then reconciled over gRPC on its unix socket),
// the pruned outbox, and a start that cannot load the engine. The fixture
// is provisioning_fixture.h.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "app/app.h"
#include "blackbox/provisioning_fixture.h"
#include "spicedb/grpc_client.h"
#include "spicedb/reconcile.h"

namespace workspaced::testing {
namespace {

// The paths of the unix sockets process `pid` listens on (/proc: its socket
// descriptors, matched by inode with the kernel's table of unix sockets).
std::vector<std::string> ListeningUnixSockets(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& fd : std::filesystem::directory_iterator(fds)) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<std::string> paths;
  std::ifstream table("/proc/" + std::to_string(pid) + "/net/unix");
  std::string line;
  std::getline(table, line);  // Num RefCount Protocol Flags Type St Inode Path
  while (std::getline(table, line)) {
    std::istringstream f(line);
    std::string num, refs, protocol, flags, type, state, inode, path;
    f >> num >> refs >> protocol >> flags >> type >> state >> inode >> path;
    const bool listening = flags == "00010000";
    if (listening && !path.empty() && path[0] == '/' && inodes.count(inode)) paths.push_back(path);
  }
  return paths;
}

// The server delivering to the real SpiceDB engine (spicedb.target embedded):
// everything a create wrote reaches it, in order, with its ZedToken kept,
// and the engine, read back, holds exactly the database's relationships.
TEST_F(Provisioning, WithSpiceDbConfiguredEveryRelationshipIsDelivered) {
  TempDir data;  // outlives both server processes
  const std::string dir = data.path() + "/data";
  Start("",
        R"(,"spicedb":{"target":"embedded","library":")" WS_SPICEDB_LIBRARY R"(","poll_ms":20})",
        dir);
  HttpClient c(server_->port());
  const auto body =
      Create(c, "Delivered", R"(,"group_mappings":[{"group_name":"eng","role":"viewer"}])");
  ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
  const auto undelivered = [&] {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM relationship_outbox WHERE delivered_at IS NULL");
  };
  for (int i = 0; i < 500 && undelivered() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(undelivered(), 0);
  EXPECT_GT(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM relationship_outbox"), 6);
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM meta WHERE key = 'spicedb_zedtoken' AND value <> ''"),
            1);
  const std::string metrics = c.Get("/metrics").body;
  EXPECT_NE(metrics.find("workspaced_spicedb_outbox_depth 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("workspaced_spicedb_outbox_oldest_age_seconds 0\n"), std::string::npos);

  // What the engine inside the server holds, read back over its own socket
  // (it serves the streaming calls, ReadRelationships among them): exactly
  // the database's relationships, of every type of the schema.
  const std::vector<std::string> sockets = ListeningUnixSockets(server_->pid());
  ASSERT_EQ(sockets.size(), 1u) << "the embedded engine's socket";
  auto engine = spicedb::ConnectGrpc({.endpoint = "unix://" + sockets[0]});
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  std::set<model::Relationship> ours, theirs;
  ASSERT_TRUE(seed_->store()
                  .Read([&](store::Tx& tx) {
                    return tx.ForEachRelationship([&](const model::Relationship& r) {
                      ours.insert(r);
                      return true;
                    });
                  })
                  .ok());
  for (const std::string& type : app::SpiceDbTypes()) {
    const Status read = (*engine)->ReadRelationships(type, [&](const model::Relationship& r) {
      EXPECT_TRUE(theirs.insert(r).second) << "twice: " << spicedb::ToString(r);
      return true;
    });
    ASSERT_TRUE(read.ok()) << type << ": " << read.message();
  }
  EXPECT_GT(ours.size(), 6u);
  for (const auto& r : ours)
    EXPECT_TRUE(theirs.count(r)) << "not in SpiceDB: " << spicedb::ToString(r);
  for (const auto& r : theirs)
    EXPECT_TRUE(ours.count(r)) << "only in SpiceDB: " << spicedb::ToString(r);
  // `authz reconcile --dry-run`, pointed at the same engine, finds nothing to do.
  const std::string config = data.path() + "/reconcile.json";
  std::ofstream(config) << R"({"spicedb":{"target":"grpc","tls":false,"endpoint":"unix://)"
                        << sockets[0] << R"("}})";
  const CommandResult dry =
      RunWorkspaced({"authz", "reconcile", "--dry-run", "--config", config, "--data-dir", dir});
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("dry run (nothing written): 0 relationships added to SpiceDB, 0 removed"),
            std::string::npos)
      << dry.out << dry.err;

  // The in-memory engine restarts empty: the server loads it from the
  // database before it serves.
  const long long relationships = CountRows(dir, "SELECT COUNT(*) FROM relationships");
  server_->Stop();
  server_.reset();
  Start("", R"(,"spicedb":{"target":"embedded","library":")" WS_SPICEDB_LIBRARY R"("})", dir);
  const std::string log = server_->Output();
  EXPECT_NE(log.find("the embedded engine is loaded"), std::string::npos) << log;
  EXPECT_NE(log.find("\"relationships\":" + std::to_string(relationships)), std::string::npos)
      << log;
}

// With no retention the outbox keeps only its newest change, however many
// workspaces are made, and every answer stays right: the server's own index
// follows its writes, and a restarted one loads the relationships whole.
TEST_F(Provisioning, ThePrunedOutboxStaysSmallAndAnswersStayRight) {
  TempDir data;
  const std::string dir = data.path() + "/data";
  const std::string pruning = R"(,"spicedb":{"outbox_retention_hours":0,)"
                              R"("outbox_prune_interval_ms":20})";
  Start("", pruning, dir);
  HttpClient c(server_->port());
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    const auto body = Create(c, "Pruned " + std::to_string(i));
    ASSERT_EQ(Str(WaitRun(c, alice_, Str(body, "provisioning_run_id")), "state"), "succeeded");
    made.push_back(Str(body, "workspace_id"));
  }
  const auto outbox = [&] { return CountRows(dir, "SELECT COUNT(*) FROM relationship_outbox"); };
  for (int i = 0; i < 250 && outbox() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(outbox(), 1);
  EXPECT_GT(CountRows(dir, "SELECT COUNT(*) FROM relationships"), 5 * 6);
  EXPECT_NE(server_->Output().find("outbox pruned"), std::string::npos);
  const auto answers = [&] {
    HttpClient h(server_->port());
    std::string out;
    for (const auto& ws : made) {
      out += std::to_string(h.Get("/v1/workspaces/" + ws, alice_).status) + " ";
      out += std::to_string(h.Get("/v1/workspaces/" + ws, server_->Token("mallory")).status) + ";";
    }
    return out;
  };
  const std::string want = answers();
  EXPECT_EQ(want, "200 404;200 404;200 404;200 404;200 404;");
  server_->Stop();
  server_.reset();
  Start("", pruning, dir);
  EXPECT_EQ(answers(), want);
}

TEST(SpiceDbConfiguration, AnEngineThatCannotBeLoadedStopsTheStartWithItsReason) {
  TempDir dir;
  const std::string config = dir.path() + "/config.json";
  std::ofstream(config) << R"({"spicedb":{"target":"embedded","library":"/nope/libspicedb.so"}})";
  const auto r = RunWorkspaced(
      {"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path() + "/data", "--config", config});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("/nope/libspicedb.so"), std::string::npos) << r.out << r.err;
  std::ofstream(config) << R"({"spicedb":{"target":"carrier-pigeon"}})";
  const auto bad = RunWorkspaced({"serve", "--data-dir", dir.path() + "/data", "--config", config});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("spicedb.target"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace workspaced::testing
