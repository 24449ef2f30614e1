// The fixture of the secrets pillar's black-box suites (secrets_test.cc,
// secrets_crash_test.cc): a server on either backend, a workspace whose
// region has a PostgreSQL cell or none, and its members.
#pragma once

#include <string>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {

inline constexpr char kValue[] = "s3cr3t-VALUE-4f1e9a-never-shown";
inline constexpr char kValue2[] = "s3cr3t-VALUE-77b2c0-second";

// The parameter: the workspace's region has a PostgreSQL cell (its
// dataplane is a schema there) or none (the embedded SQLite dataplane).
class Secrets : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!GetParam()) return;
    auto conninfo = store::testing::FreshPostgresSchema();
    if (!conninfo.ok())
      GTEST_SKIP() << "no PostgreSQL for the cell: " << conninfo.status().message();
    cell_ = *conninfo;
  }
  // The configuration of every start (a restart keeps the same cell).
  std::string Config(const std::string& extra = "") const {
    return cell_.empty() ? FastSagaConfig(1000, extra)
                         : FastSagaConfig(1000, extra + R"(,"cells":{"us-east-1":")" + cell_ + R"("})");
  }
  void StartOn(ServerProcess::Options o = {}) {
    if (o.config_json.empty()) o.config_json = Config();
    server_ = ServerProcess::Start(o);
    c_ = std::make_unique<HttpClient>(server_->port());
    if (account_.empty()) {
      Seeder seed(server_->data_dir());
      account_ = seed.Account("Acme", "alice");
    }
  }
  void CreateWorkspace() {
    const HttpResponse r = PostWorkspace(*c_, server_->Token("alice"), CreateBody(account_, "Vault"));
    ASSERT_EQ(r.status, 202) << r.body;
    const auto o = Json(r.body).as_object();
    ws_ = std::string(o.at("workspace_id").as_string());
    ASSERT_EQ(WaitRun(*c_, server_->Token("alice"), std::string(o.at("provisioning_run_id").as_string()))
                  .at("state")
                  .as_string(),
              "succeeded");
    Seeder seed(server_->data_dir());
    seed.Member(ws_, "mia", model::WorkspaceRole::kMember);
    seed.Member(ws_, "vic", model::WorkspaceRole::kViewer);
  }
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "") {
    return CallAs(*c_, *server_, method, "/v1/workspaces/" + ws_ + path, who, body);
  }
  HttpResponse Put(const std::string& name, const std::string& body, const std::string& who = "alice") {
    return Call("PUT", "/secrets/" + name, who, body);
  }
  long long Events(const std::string& action) {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "'");
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string account_, ws_;
  std::string cell_;  // the PostgreSQL cell's connection string, or none
};

inline std::string ValueBody(const std::string& value, const std::string& extra = "") {
  return R"({"value":")" + value + "\"" + extra + "}";
}

}  // namespace workspaced::testing
