// Hostile input that got through the landed checks (issue 14's probes "and
// more"): each request is refused with a precise problem and changes nothing.
#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

class HostileInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = ServerProcess::Start().release();
    Seeder seed(server_->data_dir());
    account_ = seed.DefaultAccount();
    ws_ = seed.Workspace(account_, "Target");
    seed.Member(ws_, "bob", model::WorkspaceRole::kViewer);
  }
  static void TearDownTestSuite() { delete server_; }

  static HttpResponse Send(const std::string& method, const std::string& target,
                           const std::string& body,
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpClient c(server_->port());
    headers.emplace_back("Authorization", "Bearer " + server_->Token("admin"));
    bool typed = false;
    for (const auto& [k, v] : headers) typed = typed || k == "Content-Type";
    if (!typed) headers.emplace_back("Content-Type", "application/json");
    return c.Send(method, target, headers, body);
  }

  static std::string WorkspaceBody() {
    HttpClient c(server_->port());
    return c.Get("/v1/workspaces/" + ws_, server_->Token("admin")).body;
  }
  static std::string MembersBody() {
    HttpClient c(server_->port());
    return c.Get("/v1/workspaces/" + ws_ + "/members", server_->Token("admin")).body;
  }
  static std::size_t WorkspacesInAccount() {
    HttpClient c(server_->port());
    auto r = c.Get("/v1/workspaces/by-account/" + account_ + "?limit=1000", server_->Token("admin"));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body).as_array().size();
  }

  static inline ServerProcess* server_ = nullptr;
  static inline std::string account_;
  static inline std::string ws_;
};

TEST_F(HostileInput, DuplicateMemberNamesInAnyBodyAre400AndChangeNothing) {
  // Boost.JSON keeps the last of two equal names; a proxy or WAF that keeps
  // the first would have checked another document than the one acted on.
  const std::size_t before = WorkspacesInAccount();
  const std::string ws_before = WorkspaceBody();
  const std::string members_before = MembersBody();
  struct Case {
    const char* method;
    std::string target;
    std::string body;
  };
  const std::string other = "00000000-0000-7000-8000-000000000001";
  const std::vector<Case> cases = {
      {"POST", "/v1/workspaces",
       R"({"account_id":")" + other + R"(","account_id":")" + account_ +
           R"(","name":"Dup","region":"us-east-1"})"},
      {"POST", "/v1/workspaces",
       R"({"account_id":")" + account_ +
           R"(","name":"Dup","region":"us-east-1","labels":{"a":"1","a":"2"}})"},
      {"PATCH", "/v1/workspaces/" + ws_, R"({"name":"One","name":"Two"})"},
      {"PATCH", "/v1/workspaces/" + ws_ + "/status",
       R"({"status":"active","status":"frozen","reason":"x"})"},
      {"PUT", "/v1/workspaces/" + ws_ + "/members/bob", R"({"role":"viewer","role":"admin"})"},
      {"PUT", "/v1/workspaces/" + ws_ + "/group-mappings",
       R"([{"group_name":"eng","group_name":"ops","role":"admin"}])"},
      {"PUT", "/v1/accounts/" + account_ + "/quotas", R"({"workspaces":5,"workspaces":0})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target + " " + c.body);
    auto r = Send(c.method, c.target, c.body);
    ExpectProblem(r, 400);
    EXPECT_NE(r.body.find("duplicate member name"), std::string::npos) << r.body;
  }
  EXPECT_EQ(WorkspacesInAccount(), before);
  EXPECT_EQ(WorkspaceBody(), ws_before);
  EXPECT_EQ(MembersBody(), members_before);
}

}  // namespace
}  // namespace workspaced::testing
