// The gRPC transport against real gRPC endpoints: the SpiceDB engine's own
// socket, which serves the streaming calls only, and — for the unary calls —
// a small test-only gRPC server that forwards to the same engine (it also
// insists on the preshared key, as a SpiceDB cluster does).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "authz/schema_authorizer.h"
#include "authzed/api/v1/permission_service.grpc.pb.h"
#include "authzed/api/v1/schema_service.grpc.pb.h"
#include "spicedb/embedded.h"
#include "spicedb/grpc_client.h"
#include "spicedb/ids.h"
#include "spicedb/testing/forwarder.h"
#include "spicedb/wire.h"
#include "store/sqlite_store.h"
#include "store/testing/temp_dir.h"

namespace workspaced::spicedb {
namespace {

// authz/schema.zed, byte for byte as compiled in.
std::string SchemaText() { return std::string(authz::EmbeddedSchemaText()); }

namespace v1 = authzed::api::v1;
using testing::Forwarder;

TEST(Grpc, UnaryCallsCarryThePresharedKeyAndAnswerLikeTheEngine) {
  auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  Forwarder forwarder(**engine, "s3cret");
  const std::string socket = "unix:///tmp/ws-grpc-fwd-" + std::to_string(::getpid()) + ".sock";
  grpc::ServerBuilder builder;
  builder.AddListeningPort(socket, grpc::InsecureServerCredentials());
  builder.RegisterService(static_cast<v1::PermissionsService::Service*>(&forwarder));
  builder.RegisterService(static_cast<v1::SchemaService::Service*>(&forwarder));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto client = ConnectGrpc({.endpoint = socket, .preshared_key = "s3cret"});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->WriteSchema(SchemaText()).ok());
  auto token = (*client)->Write({{true, {"workspace", "w1", "member", "user", "cy@x.io", ""}}});
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_FALSE(token->empty());
  auto allowed = (*client)->Check("workspace", "w1", "write", {"user", "cy@x.io", ""});
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_TRUE(*allowed);
  EXPECT_FALSE(*(*client)->Check("workspace", "w1", "administer", {"user", "cy@x.io", ""}));
  ASSERT_TRUE(
      (*client)->Write({{false, {"workspace", "w1", "member", "user", "cy@x.io", ""}}}).ok());
  EXPECT_FALSE(*(*client)->Check("workspace", "w1", "write", {"user", "cy@x.io", ""}));

  auto wrong_key = ConnectGrpc({.endpoint = socket, .preshared_key = "guess"});
  const Status refused = (*wrong_key)->WriteSchema(SchemaText());
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("bad preshared key"), std::string::npos) << refused.message();
  server->Shutdown();
}

TEST(Grpc, ReadsBackWhatWasWrittenWithIdsDecoded) {
  auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  ASSERT_TRUE((*engine)->WriteSchema(SchemaText()).ok());
  const std::set<model::Relationship> written = {
      {"workspace", "w1", "admin", "user", "ann@corp.example", ""},
      {"workspace", "w1", "viewer", "group", "Data Science", "member"},
      {"workspace", "w2", "account", "account", "a1", ""},
      {"account", "a1", "admin", "user", "bo.b", ""},
  };
  std::vector<Update> updates;
  for (const auto& r : written) updates.push_back({true, r});
  ASSERT_TRUE((*engine)->Write(updates).ok());

  auto client = ConnectGrpc({.endpoint = (*engine)->grpc_endpoint()});
  ASSERT_TRUE(client.ok());
  std::set<model::Relationship> read;
  const Status s = (*client)->ReadRelationships("workspace", [&](const model::Relationship& r) {
    read.insert(r);
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.message();
  std::set<model::Relationship> want;
  for (const auto& r : written)
    if (r.resource_type == "workspace") want.insert(r);
  EXPECT_EQ(read, want);
}

TEST(Grpc, AnUnreachableEndpointIsUnavailable) {
  auto client =
      ConnectGrpc({.endpoint = "unix:///nonexistent/spicedb.sock", .call_timeout_ms = 500});
  ASSERT_TRUE(client.ok());
  const Status s = (*client)->WriteSchema("definition user {}");
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.message();
}

// Runs a command, returning its exit status and what it printed.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, ""};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `workspaced authz reconcile` end to end: the binary, a real SQLite data
// directory, a gRPC endpoint with a preshared key, the engine behind it.
TEST(Grpc, TheReconcileCommandRepairsSpiceDbOverGrpcAndPrintsEachChange) {
  const char* bin = std::getenv("WORKSPACED_BIN");
  ASSERT_NE(bin, nullptr) << "run through ctest (WORKSPACED_BIN)";
  auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  ASSERT_TRUE((*engine)->WriteSchema(SchemaText()).ok());
  const model::Relationship stray{"account", "a9", "admin", "user", "mallory", ""};
  ASSERT_TRUE((*engine)->Write({{true, stray}}).ok());
  Forwarder forwarder(**engine, "k3y");
  const store::testing::TempDir tmp;  // removed however the test ends
  const std::string dir = tmp.path().string();
  std::filesystem::create_directories(dir + "/data");
  const std::string socket = "unix://" + dir + "/spicedb.sock";
  grpc::ServerBuilder builder;
  builder.AddListeningPort(socket, grpc::InsecureServerCredentials());
  builder.RegisterService(static_cast<v1::PermissionsService::Service*>(&forwarder));
  builder.RegisterService(static_cast<v1::SchemaService::Service*>(&forwarder));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  std::set<model::Relationship> ours;
  {
    auto store = std::move(store::OpenSqliteStore({.path = dir + "/data/workspaced.db"})).value();
    ASSERT_TRUE(store->Migrate().ok());
    const std::vector<model::Relationship> rels = {
        {"workspace", "w1", "admin", "user", "ann@corp.example", ""},
        {"workspace", "w1", "account", "account", "a1", ""},
        {"group", "Data Science", "member", "user", "bo.b", ""}};
    ASSERT_TRUE(store->Write([&](store::Tx& tx) { return tx.TouchRelationships(rels); }).ok());
    ASSERT_TRUE(store
                    ->Read([&](store::Tx& tx) {
                      return tx.ForEachRelationship([&](const model::Relationship& r) {
                        ours.insert(r);
                        return true;
                      });
                    })
                    .ok());
  }
  std::ofstream(dir + "/key") << "k3y\n";
  std::ofstream(dir + "/config.json")
      << R"({"spicedb":{"target":"grpc","endpoint":")" << socket
      << R"(","tls":false,"preshared_key_file":")" << dir << R"(/key"}})";
  const std::string cmd = std::string(bin) + " authz reconcile --data-dir " + dir +
                          "/data --config " + dir + "/config.json";

  const auto [dry_code, dry] = RunCommand(cmd + " --dry-run");
  EXPECT_EQ(dry_code, 0) << dry;
  EXPECT_NE(dry.find("- account:a9#admin@user:mallory"), std::string::npos) << dry;
  EXPECT_NE(dry.find("+ workspace:w1#admin@user:ann@corp.example"), std::string::npos) << dry;
  EXPECT_NE(dry.find("dry run"), std::string::npos) << dry;

  const auto [code, out] = RunCommand(cmd);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("reconciled: 3 relationships added to SpiceDB, 1 removed"), std::string::npos)
      << out;
  std::set<model::Relationship> theirs;
  for (const char* type : {"account", "workspace", "group"}) {
    ASSERT_TRUE((*engine)
                    ->ReadRelationships(type,
                                        [&](const model::Relationship& r) {
                                          theirs.insert(r);
                                          return true;
                                        })
                    .ok());
  }
  EXPECT_EQ(theirs, ours);
  const auto [again_code, again] = RunCommand(cmd);
  EXPECT_NE(again.find("reconciled: 0 relationships added to SpiceDB, 0 removed"),
            std::string::npos)
      << again;
  server->Shutdown();
}

}  // namespace
}  // namespace workspaced::spicedb
