// The freeze rule lives in the domain operations (domain/workspace_rules.h),
// inside each change's transaction: this walks the route table, so a new
// route that changes a workspace cannot forget it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "api/api.h"
#include "api/routes.h"
#include "app/bootstrap.h"
#include "auth/jwt_authenticator.h"
#include "saga/steps.h"

namespace workspaced::api {
namespace {

std::string_view MethodText(http::Method m) {
  switch (m) {
    case http::Method::kPost:
      return "POST";
    case http::Method::kPut:
      return "PUT";
    case http::Method::kPatch:
      return "PATCH";
    case http::Method::kDelete:
      return "DELETE";
    default:
      return "GET";
  }
}

class Freeze : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / "ws-freeze-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
    app::Config config;
    config.data_dir = dir_ + "/data";
    auto app = app::App::Open(config);
    ASSERT_TRUE(app.ok()) << app.status().message();
    app_ = std::move(*app);
    ASSERT_TRUE(app_->WritePlatformAdmins().ok());  // as serve does
    auto key = app::LoadOrCreateDevKey(config.data_dir, app_->random());
    ASSERT_TRUE(key.ok());
    token_ = "Bearer " +
             auth::SignDevToken(*key, {.subject = "admin", .issued_at = app_->clock().Now()});
    // A frozen workspace of the default account (admin: "admin") with a
    // failed run.
    model::Workspace ws;
    ws.id = NewUuidV7(app_->random(), app_->clock());
    ws.account_id = app_->default_account_id();
    ws.name = ws.slug = "frozen";
    ws.region = "us-east-1";
    ws.status = model::WorkspaceStatus::kFrozen;
    ws.status_reason = "legal hold";
    ws.frozen_by = "admin";
    ws.frozen_at = app_->clock().Now();
    ws_ = ws.id;
    run_ = NewUuidV7(app_->random(), app_->clock());
    auto run = saga::NewProvisioningRun(run_, ws_, "admin", "", 1);
    run.state = model::RunState::kFailed;
    ASSERT_TRUE(app_->store()
                    .Write([&](store::Tx& tx) -> Status {
                      WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
                      WS_RETURN_IF_ERROR(
                          tx.PutWorkspaceMember({ws_, "bob", model::WorkspaceRole::kAdmin, 1}));
                      return tx.InsertRun(run);
                    })
                    .ok());
    api_ = std::make_unique<Api>(*app_);
  }
  void TearDown() override {
    api_.reset();
    app_.reset();
    std::filesystem::remove_all(dir_);
  }

  http::Response Send(http::Method method, const std::string& path, const std::string& body) {
    http::Request r;
    r.method = method;
    r.method_text = MethodText(method);
    r.target = path;
    r.path = path;
    r.body = body;
    r.headers = {{"Authorization", token_}, {"Content-Type", "application/json"}};
    r.remote_ip = "127.0.0.1";
    r.request_id = "req_test";
    http::Response out;
    api_->Handle(r, out);
    return out;
  }

  std::string Path(std::string pattern) {
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"{workspace_id}", ws_},
                                      {"{run_id}", run_},
                                      {"{subject}", "bob"},
                                      {"{name}", "API_KEY"},
                                      {"{account_id}", app_->default_account_id()}}) {
      for (std::size_t at; (at = pattern.find(name)) != std::string::npos;)
        pattern.replace(at, name.size(), value);
    }
    return pattern;
  }

  std::string dir_, token_, ws_, run_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<Api> api_;
};

TEST_F(Freeze, EveryRouteThatChangesAWorkspaceAnswers423WhileItIsFrozen) {
  int checked = 0;
  for (const RouteSpec& route : MakeRoutes(*app_)) {
    const bool under_workspace = route.pattern.find("{workspace_id}") != std::string::npos ||
                                 route.pattern.find("{run_id}") != std::string::npos;
    if (route.method == http::Method::kGet || !under_workspace) continue;
    const bool is_freeze_switch = route.pattern == "/v1/workspaces/{workspace_id}/status";
    if (is_freeze_switch) continue;
    // A restore is not refused by a freeze (docs/lifecycle.md); a frozen
    // workspace is not deleted, so there is nothing to restore.
    if (route.pattern == "/v1/workspaces/{workspace_id}/restore") {
      EXPECT_EQ(Send(route.method, Path(route.pattern), "").status, 409);
      continue;
    }
    // A reveal is a read (audited, changing nothing): allowed while frozen.
    if (route.pattern.ends_with("/reveal")) continue;
    // So is a detokenize (masks or audited values).
    if (route.pattern.ends_with("/vault/detokenize")) continue;
    std::string body = R"({"role":"member"})";
    if (route.pattern.find("group-mappings") != std::string::npos) body = "[]";
    if (route.pattern == "/v1/workspaces/{workspace_id}") body = R"({"name":"renamed"})";
    // A valid body: an invalid one is 422 whatever the state.
    if (route.pattern.ends_with("/secrets/{name}")) body = R"({"value":"v"})";
    if (route.pattern.ends_with("/vault/records")) body = R"({"fields":{"note":"t"}})";
    const http::Response r = Send(
        route.method, Path(route.pattern),
        route.method == http::Method::kDelete || route.pattern.find("retry") != std::string::npos
            ? ""
            : body);
    EXPECT_EQ(r.status, 423) << MethodText(route.method) << " " << route.pattern << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_NE(r.body.find("legal hold"), std::string::npos) << r.body;
    ++checked;
  }
  EXPECT_GE(checked, 5);  // update, retry, members put/delete, group mappings
  // Reads keep working, and the freeze switch unfreezes.
  EXPECT_EQ(Send(http::Method::kGet, "/v1/workspaces/" + ws_, "").status, 200);
  EXPECT_EQ(
      Send(http::Method::kPatch, "/v1/workspaces/" + ws_ + "/status", R"({"status":"active"})")
          .status,
      200);
  EXPECT_EQ(
      Send(http::Method::kPut, "/v1/workspaces/" + ws_ + "/members/carol", R"({"role":"viewer"})")
          .status,
      201);
}

}  // namespace
}  // namespace workspaced::api
