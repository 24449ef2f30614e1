// The read endpoints of seed 000 with their permissions: members see their
// workspaces; everyone else gets 404, never another tenant's data.
#include <algorithm>

#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

class Workspaces : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start();
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "acme-admin");
    globex_ = seed_->Account("Globex", "globex-admin");
    prod_ = seed_->Workspace(acme_, "Production", {{"eng", WorkspaceRole::kMember}});
    dev_ = seed_->Workspace(acme_, "Development");
    rival_ = seed_->Workspace(globex_, "Rival");
    seed_->Member(prod_, "alice", WorkspaceRole::kViewer);
    seed_->Member(dev_, "alice", WorkspaceRole::kAdmin);
    seed_->AccountMember(acme_, "auditor", AccountRole::kMember);
  }

  std::vector<std::string> Ids(const HttpResponse& r) {
    std::vector<std::string> ids;
    auto v = Json(r.body);
    EXPECT_TRUE(v.is_array()) << r.body;
    if (!v.is_array()) return ids;
    for (auto& e : v.as_array()) ids.emplace_back(e.as_object().at("id").as_string());
    return ids;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::string acme_, globex_, prod_, dev_, rival_;
};

TEST_F(Workspaces, ListShowsDirectAndGroupMemberships) {
  HttpClient c(server_->port());
  auto alice = c.Get("/v1/workspaces", server_->Token("alice"));
  ASSERT_EQ(alice.status, 200);
  EXPECT_EQ(Ids(alice), (std::vector<std::string>{prod_, dev_}));
  auto bob = c.Get("/v1/workspaces", server_->Token("bob", "eng,ops"));
  EXPECT_EQ(Ids(bob), (std::vector<std::string>{prod_}));
  auto nobody = c.Get("/v1/workspaces", server_->Token("nobody"));
  EXPECT_EQ(nobody.body, "[]");
}

TEST_F(Workspaces, GetReturnsEveryFieldOfTheResource) {
  HttpClient c(server_->port());
  auto r = c.Get("/v1/workspaces/" + prod_, server_->Token("alice"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_FALSE(r.Header("ETag").empty());
  auto o = Json(r.body).as_object();
  for (const char* f : {"id", "account_id", "name", "slug", "status", "region", "tenancy_model",
                        "created_at", "updated_at", "created_by", "updated_by", "labels",
                        "group_mappings", "runtime", "provisioning_phase", "status_reason"}) {
    EXPECT_TRUE(o.contains(f)) << f;
  }
  EXPECT_EQ(o.at("id").as_string(), prod_);
  EXPECT_EQ(o.at("account_id").as_string(), acme_);
  EXPECT_EQ(o.at("name").as_string(), "Production");
  EXPECT_EQ(o.at("status").as_string(), "active");
  EXPECT_EQ(o.at("tenancy_model").as_string(), "dedicated");
  EXPECT_EQ(o.at("labels").as_object().at("team").as_string(), "platform");
  EXPECT_EQ(o.at("group_mappings").as_array()[0].as_object().at("group_name").as_string(), "eng");
  EXPECT_EQ(o.at("runtime").as_object().at("generation").as_string(), "mk3");
  EXPECT_EQ(std::string(o.at("created_at").as_string()).size(), 20u);  // 2026-05-01T12:00:00Z
  // Conditional GET.
  auto again = c.Send("GET", "/v1/workspaces/" + prod_,
                      {{"Authorization", "Bearer " + server_->Token("alice")},
                       {"If-None-Match", r.Header("ETag")}});
  EXPECT_EQ(again.status, 304);
  auto listed = c.Send("GET", "/v1/workspaces/" + prod_,
                       {{"Authorization", "Bearer " + server_->Token("alice")},
                        {"If-None-Match", "\"other\", W/" + r.Header("ETag")}});
  EXPECT_EQ(listed.status, 304);
  auto stale =
      c.Send("GET", "/v1/workspaces/" + prod_,
             {{"Authorization", "Bearer " + server_->Token("alice")}, {"If-None-Match", "\"v0\""}});
  EXPECT_EQ(stale.status, 200);
}

TEST_F(Workspaces, NonMembersAndOtherTenantsGet404NotTheData) {
  HttpClient c(server_->port());
  const std::string outsider = server_->Token("globex-admin");
  for (const std::string& path :
       {"/v1/workspaces/" + prod_, "/v1/workspaces/" + prod_ + "/environments",
        "/v1/workspaces/by-account/" + acme_}) {
    auto r = c.Get(path, outsider);
    ExpectProblem(r, 404);
    EXPECT_EQ(r.body.find("Production"), std::string::npos);
  }
  // A workspace that does not exist looks exactly the same.
  ExpectProblem(c.Get("/v1/workspaces/01900000-0000-7000-8000-000000000000", outsider), 404);
}

TEST_F(Workspaces, AccountRolesGrantReadAcrossTheAccount) {
  HttpClient c(server_->port());
  for (const char* who : {"acme-admin", "auditor"}) {
    auto list = c.Get("/v1/workspaces/by-account/" + acme_, server_->Token(who));
    ASSERT_EQ(list.status, 200) << who;
    EXPECT_EQ(Ids(list), (std::vector<std::string>{prod_, dev_})) << who;
    EXPECT_EQ(c.Get("/v1/workspaces/" + dev_, server_->Token(who)).status, 200) << who;
  }
  // A workspace member is not an account member.
  ExpectProblem(c.Get("/v1/workspaces/by-account/" + acme_, server_->Token("alice")), 404);
}

TEST_F(Workspaces, EnvironmentsAreDevStagingProd) {
  HttpClient c(server_->port());
  auto r = c.Get("/v1/workspaces/" + dev_ + "/environments", server_->Token("alice"));
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> names;
  const auto body = Json(r.body);
  for (auto& e : body.as_array()) {
    names.emplace_back(e.as_object().at("name").as_string());
    EXPECT_EQ(e.as_object().at("workspace_id").as_string(), dev_);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dev", "staging", "prod"}));
}

TEST_F(Workspaces, PaginationFollowsLinkHeadersToTheEnd) {
  std::vector<std::string> all{prod_, dev_};
  for (int i = 0; i < 5; ++i) {
    all.push_back(seed_->Workspace(acme_, "extra " + std::to_string(i)));
    seed_->Member(all.back(), "alice", WorkspaceRole::kMember);
  }
  HttpClient c(server_->port());
  const std::string token = server_->Token("alice");
  std::vector<std::string> seen;
  std::string next = "/v1/workspaces?limit=3";
  int pages = 0;
  while (!next.empty()) {
    auto r = c.Get(next, token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto ids = Ids(r);
    EXPECT_LE(ids.size(), 3u);
    seen.insert(seen.end(), ids.begin(), ids.end());
    const std::string link = r.Header("Link");
    next.clear();
    if (!link.empty()) {
      ASSERT_NE(link.find("rel=\"next\""), std::string::npos) << link;
      next = link.substr(1, link.find('>') - 1);
    }
    ASSERT_LT(++pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, all);
}

// The account's list, page by page over HTTP: every workspace once, in id
// order, the Link header carrying the limit and an opaque cursor; a
// workspace made between two pages does not shift the pages already read.
TEST_F(Workspaces, AccountListPagesThroughEveryWorkspaceOnceInIdOrder) {
  std::vector<std::string> all{prod_, dev_};
  for (int i = 0; i < 6; ++i) all.push_back(seed_->Workspace(acme_, "more " + std::to_string(i)));
  HttpClient c(server_->port());
  const std::string token = server_->Token("acme-admin");
  const std::string base = "/v1/workspaces/by-account/" + acme_;
  std::vector<std::string> seen;
  std::string next = base + "?limit=3";
  int pages = 0;
  while (!next.empty()) {
    const HttpResponse r = c.Get(next, token);
    ASSERT_EQ(r.status, 200) << next << ": " << r.body;
    const auto ids = Ids(r);
    EXPECT_LE(ids.size(), 3u);
    seen.insert(seen.end(), ids.begin(), ids.end());
    if (++pages == 1) all.push_back(seed_->Workspace(acme_, "made while paging"));
    const std::string link = r.Header("Link");
    next.clear();
    if (!link.empty()) {
      ASSERT_NE(link.find("rel=\"next\""), std::string::npos) << link;
      next = link.substr(1, link.find('>') - 1);
      EXPECT_EQ(next.rfind(base + "?", 0), 0u) << link;
      EXPECT_NE(next.find("limit=3"), std::string::npos) << link;
      EXPECT_NE(next.find("cursor="), std::string::npos) << link;
    }
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);  // 3 + 3 + 3 of nine
  std::sort(all.begin(), all.end());
  EXPECT_EQ(seen, all);                                                // each once, in id order
  EXPECT_EQ(std::find(seen.begin(), seen.end(), rival_), seen.end());  // another account's

  // One page holding everything has no Link; the same page twice is the same.
  const HttpResponse whole = c.Get(base + "?limit=100", token);
  EXPECT_TRUE(whole.Header("Link").empty());
  EXPECT_EQ(Ids(whole), all);
  EXPECT_EQ(c.Get(base + "?limit=100", token).body, whole.body);
  ExpectProblem(c.Get(base + "?limit=0", token), 400);
  ExpectProblem(c.Get(base + "?cursor=not-a-cursor", token), 400);
}

}  // namespace
}  // namespace workspaced::testing
