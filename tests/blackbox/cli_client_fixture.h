// The fixture of the CLI client's black-box suites (cli_client_test.cc,
// cli_lifecycle_test.cc): a real server on loopback with the account Acme
// (admin alice), and `workspaced ws|op` run as a user runs them, with the
// server and token from the environment.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {

// The create saga's steps, in order.
inline const std::vector<std::string> kSteps = {"bind_account",        "configure_account",
                                                "create_environments", "provision_dataplane",
                                                "write_relationships", "activate"};

class CliClient : public ::testing::Test {
 protected:
  void Start(const std::string& failpoints = "", const std::string& config = "") {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig(1000, config);
    if (!failpoints.empty()) o.env["WORKSPACED_FAILPOINTS"] = failpoints;
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "alice");
    token_ = server_->Token("alice");
  }

  // `workspaced GROUP ARGS` with the server and token from the environment.
  CommandResult Run(const char* group, std::vector<std::string> args) {
    args.insert(args.begin(), group);
    // Not a terminal here: progress comes as plain lines.
    return RunWorkspaced(args, {{"CP_URL", server_->url()}, {"TOKEN", token_}});
  }
  CommandResult Client(std::vector<std::string> args) { return Run("ws", std::move(args)); }
  CommandResult Op(std::vector<std::string> args) { return Run("op", std::move(args)); }

  std::string CreateActive(const std::string& name) {
    const CommandResult created = Create(name);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return std::string(Json(created.out).as_object().at("id").as_string());
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

}  // namespace workspaced::testing
