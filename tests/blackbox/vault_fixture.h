// The fixture of the data vault's black-box suites (vault_test.cc,
// vault_crash_test.cc): a server (SQLite, or PostgreSQL whose us-east-1
// cell is the same server), an active workspace, its members, and a record
// of three fields whose values no mask shows.
#pragma once

#include <string>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {

// Values whose distinctive parts no mask shows.
inline constexpr char kCard[] = "4000 0566 5566 5556";
inline constexpr char kCardDigits[] = "4000056655665556";
inline constexpr char kEmail[] = "leaky.person.9f3e@example.com";
inline constexpr char kNote[] = "v4ult-VALUE-c0ffee-never-shown";

class Vault : public ::testing::Test {
 protected:
  // The configuration every server of a test gets: on PostgreSQL, with
  // us-east-1's dataplane cell on the test's database.
  std::string Config() const { return FastSagaConfig(1000, cells_); }
  void StartOn(ServerProcess::Options o = {}) {
    if (o.data_dir.empty()) {
      dir_ = std::make_unique<TempDir>();
      o.data_dir = dir_->path() + "/data";
      cells_.clear();
      if (std::getenv("WS_BLACKBOX_POSTGRES") != nullptr)
        cells_ = R"(,"cells":{"us-east-1":")" + BlackboxDatabase(o.data_dir, /*create=*/true) +
                 R"("})";
    }
    if (o.config_json.empty()) o.config_json = Config();
    server_ = ServerProcess::Start(o);
    c_ = std::make_unique<HttpClient>(server_->port());
    if (account_.empty()) {
      Seeder seed(server_->data_dir());
      account_ = seed.Account("Acme", "alice");
    }
  }
  std::string CreateWorkspace(const std::string& name = "Vault") {
    const HttpResponse r = PostWorkspace(*c_, server_->Token("alice"), CreateBody(account_, name));
    EXPECT_EQ(r.status, 202) << r.body;
    const auto o = Json(r.body).as_object();
    const std::string ws(o.at("workspace_id").as_string());
    EXPECT_EQ(WaitRun(*c_, server_->Token("alice"),
                      std::string(o.at("provisioning_run_id").as_string()))
                  .at("state")
                  .as_string(),
              "succeeded");
    Seeder seed(server_->data_dir());
    seed.Member(ws, "mia", model::WorkspaceRole::kMember);
    seed.Member(ws, "vic", model::WorkspaceRole::kViewer);
    if (ws_.empty()) ws_ = ws;
    return ws;
  }
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "", std::string ws = "") {
    if (ws.empty()) ws = ws_;
    return CallAs(*c_, *server_, method, "/v1/workspaces/" + ws + path, who, body);
  }
  HttpResponse Create(const std::string& body, const std::string& who = "alice",
                      const std::string& ws = "") {
    return Call("POST", "/vault/records", who, body, ws);
  }
  HttpResponse Detokenize(const std::vector<std::string>& tokens, const std::string& who,
                          const std::string& ws = "") {
    std::string body = R"({"tokens":[)";
    for (std::size_t i = 0; i < tokens.size(); ++i) body += (i ? ",\"" : "\"") + tokens[i] + "\"";
    return Call("POST", "/vault/detokenize", who, body + "]}", ws);
  }
  long long Events(const std::string& action) {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "'");
  }

  std::unique_ptr<TempDir> dir_;  // outlives the servers on it
  std::string cells_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string account_, ws_;
};

inline std::string RecordBody(bool deterministic_email = true) {
  return std::string(R"({"fields":{"card":{"type":"card_number","value":")") + kCard +
         R"("},"email":{"type":"email","value":")" + kEmail + R"(","deterministic":)" +
         (deterministic_email ? "true" : "false") + R"(},"note":{"type":"text","value":")" + kNote +
         R"("}}})";
}

inline std::string TokenOf(const HttpResponse& r, const std::string& field) {
  return std::string(
      Json(r.body).as_object().at("fields").as_object().at(field).as_object().at("token").as_string());
}

}  // namespace workspaced::testing
