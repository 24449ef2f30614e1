// `workspaced client` against a real server on loopback: the binary as a
// user runs it, its stdout, stderr and exit code (docs/cli.md).
#include <fstream>
#include <sstream>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

const std::vector<std::string> kSteps = {"bind_account",        "configure_account",
                                         "create_environments", "provision_dataplane",
                                         "write_relationships", "activate"};

class CliClient : public ::testing::Test {
 protected:
  void Start(const std::string& failpoints = "") {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig();
    if (!failpoints.empty()) o.env["WORKSPACED_FAILPOINTS"] = failpoints;
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "alice");
    token_ = server_->Token("alice");
  }

  // `workspaced client ARGS` with the server and token from the environment.
  CommandResult Client(std::vector<std::string> args) {
    args.insert(args.begin(), "client");
    // Not a terminal here: progress comes as plain lines.
    return RunWorkspaced(args, {{"WORKSPACED_URL", server_->url()}, {"WORKSPACED_TOKEN", token_}});
  }

  CommandResult Create(const std::string& name, bool wait = true) {
    std::vector<std::string> args{"create",   "--account", acme_,     "--name",   name,
                                  "--region", "us-east-1", "--label", "team:core"};
    if (wait) args.push_back("--wait");
    return Client(args);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::string acme_, token_;
};

TEST_F(CliClient, CreateWaitPrintsEveryStepAndTheActiveWorkspace) {
  Start();
  const CommandResult r = Create("Dev");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ws = Json(r.out).as_object();
  EXPECT_EQ(ws.at("status").as_string(), "active");
  EXPECT_EQ(ws.at("labels").as_object().at("team").as_string(), "core");
  for (const auto& step : kSteps)
    EXPECT_NE(r.err.find(step + ": succeeded\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run succeeded"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no terminal redraws off a terminal";
  EXPECT_EQ((r.out + r.err).find(token_), std::string::npos) << "the token is never printed";
}

TEST_F(CliClient, AFailedRunExitsOneWithItsReasonAndRetryWaitsAgain) {
  Start("provision_dataplane=fatal");
  const CommandResult r = Create("Doomed");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("provision_dataplane: failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: provisioning failed at step provision_dataplane"), std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  // The run id is on stderr's first line: "workspace <id>: provisioning run <run>".
  const std::string key = "provisioning run ";
  const auto at = r.err.find(key);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string run = r.err.substr(at + key.size(), 36);
  const CommandResult watch = Client({"watch", run});
  EXPECT_EQ(watch.exit_code, 1) << watch.err;
  const CommandResult retry = Client({"retry", run, "--wait"});
  EXPECT_EQ(retry.exit_code, 1) << retry.err;  // the failpoint still holds
  EXPECT_NE(retry.err.find("provisioning failed"), std::string::npos) << retry.err;
  const CommandResult again = Client({"retry", run});
  EXPECT_EQ(again.exit_code, 3) << again.err;  // only the latest run may be retried
  EXPECT_NE(again.err.find("error: 409 Conflict"), std::string::npos) << again.err;
}

TEST_F(CliClient, ARefusedRequestPrintsTheProblemAndExitsThree) {
  Start();
  const CommandResult r = Client({"create", "--account", acme_, "--name", "X", "--region", "mars"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("error: 422 Unprocessable Content"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  region: unknown region"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  request id: req_"), std::string::npos) << r.err;

  const CommandResult missing = Client({"get", "0196a3c4-5e2f-7d81-9b0a-3c4d5e6f7a8b"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("error: 404 Not Found"), std::string::npos) << missing.err;
}

TEST_F(CliClient, UsageErrorsExitTwoAndAnUnreachableServerFour) {
  Start();
  EXPECT_EQ(Client({"create", "--name", "X"}).exit_code, 2);
  EXPECT_EQ(Client({"list", "--url", "https://example.test"}).exit_code, 2);
  const CommandResult down = Client({"list", "--url", "http://127.0.0.1:1"});
  EXPECT_EQ(down.exit_code, 4);
  EXPECT_NE(down.err.find("cannot reach 127.0.0.1:1"), std::string::npos) << down.err;
}

TEST_F(CliClient, ExportWritesAFileThatParses) {
  Start();
  const CommandResult created = Create("Exported");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string ws(Json(created.out).as_object().at("id").as_string());
  TempDir dir;
  const std::string file = dir.path() + "/ws.json";
  const CommandResult r = Client({"export", ws, "--format", "json", "-o", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = Json(text.str());
  ASSERT_TRUE(doc.is_object()) << text.str().substr(0, 300);
  EXPECT_EQ(doc.at("workspace").at("id").as_string(), ws);
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));

  const CommandResult ndjson = Client({"export", ws, "--format", "ndjson"});  // to stdout
  ASSERT_EQ(ndjson.exit_code, 0) << ndjson.err;
  std::istringstream lines(ndjson.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) EXPECT_TRUE(Json(line).is_object());
  EXPECT_GT(n, 3);
}

TEST_F(CliClient, ListFollowsEveryPageAndAppliesFilters) {
  Start();
  for (int i = 0; i < 5; ++i)
    seed_->Member(seed_->Workspace(acme_, "Team " + std::to_string(i)), "alice",
                  model::WorkspaceRole::kViewer);
  seed_->Member(seed_->Workspace(acme_, "Other"), "alice", model::WorkspaceRole::kViewer);
  const CommandResult all = Client({"list", "--limit", "2", "--output", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(Json(all.out).as_array().size(), 6u);

  const CommandResult some = Client({"list", "--limit", "2", "--name-prefix", "Team ", "--label",
                                     "team:platform", "--status", "active", "--output", "json"});
  ASSERT_EQ(some.exit_code, 0) << some.err;
  EXPECT_EQ(Json(some.out).as_array().size(), 5u);

  const CommandResult table = Client({"list", "--region", "us-east-1"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("ID  ", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("Team 4"), std::string::npos) << table.out;
}

TEST_F(CliClient, FreezeAndUnfreezeChangeTheStatus) {
  Start();
  const CommandResult created = Create("Frozen");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string ws(Json(created.out).as_object().at("id").as_string());
  const CommandResult frozen = Client({"freeze", ws, "--reason", "billing hold"});
  ASSERT_EQ(frozen.exit_code, 0) << frozen.err;
  EXPECT_EQ(Json(frozen.out).at("status_reason").as_string(), "billing hold");
  EXPECT_EQ(Client({"freeze", ws, "--reason", "again"}).exit_code, 3);
  const CommandResult active = Client({"unfreeze", ws});
  ASSERT_EQ(active.exit_code, 0) << active.err;
  EXPECT_EQ(Json(active.out).at("status").as_string(), "active");
}

TEST_F(CliClient, AccountsListsWhatTheCallerMayRead) {
  Start();
  const CommandResult r = Client({"accounts", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto accounts = Json(r.out).as_array();
  ASSERT_EQ(accounts.size(), 1u) << r.out;
  EXPECT_EQ(accounts[0].at("id").as_string(), acme_);
}

}  // namespace
}  // namespace workspaced::testing
