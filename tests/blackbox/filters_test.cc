// The filters of the workspace lists through the real binary: each holds,
// they combine, the next page's Link repeats them, a page is never cut short
// by them, and a bad value is a 400 naming its parameter.
#include "blackbox/fixture.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;
using model::WorkspaceRole;
using model::WorkspaceStatus;

class Filters : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start();
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "acme-admin");
    // Ten workspaces: even ones frozen; 1-4 in eu-west-1; labels team=data
    // on 1-6, tier=gold on multiples of 3; names "Prod n" up to 5, then
    // "Staging n". alice is a member of the odd ones and of 4.
    for (int n = 1; n <= 10; ++n) {
      const std::string id =
          seed_->Workspace(acme_, (n <= 5 ? "Prod " : "Staging ") + std::to_string(n));
      Change(id, [n](model::Workspace& ws) {
        if (n % 2 == 0) ws.status = WorkspaceStatus::kFrozen;
        if (n <= 4) ws.region = "eu-west-1";
        ws.labels.clear();
        if (n <= 6) ws.labels["team"] = "data";
        if (n % 3 == 0) ws.labels["tier"] = "gold & silver";
      });
      ids_.push_back(id);
      if (n % 2 == 1 || n == 4) seed_->Member(id, "alice", WorkspaceRole::kViewer);
    }
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  template <typename F>
  void Change(const std::string& id, F change) {
    ASSERT_TRUE(seed_->store()
                    .Write([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(model::Workspace ws, tx.GetWorkspace(id));
                      change(ws);
                      ++ws.version;
                      return tx.UpdateWorkspace(ws);
                    })
                    .ok());
  }

  // The ids of every page, following Link from `target`; each Link checked
  // to repeat `must_repeat`.
  std::vector<std::string> All(const std::string& target, const std::string& who,
                               const std::string& must_repeat = "", int* pages = nullptr) {
    std::vector<std::string> out;
    std::string next = target;
    int n = 0;
    while (!next.empty() && n < 50) {
      const HttpResponse r = client_->Get(next, server_->Token(who));
      EXPECT_EQ(r.status, 200) << next << ": " << r.body;
      if (r.status != 200) break;
      ++n;
      const boost::json::value list = Json(r.body);
      for (const auto& w : list.as_array()) out.emplace_back(w.at("id").as_string());
      const std::string link = r.Header("Link");
      next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
      if (!next.empty()) {
        EXPECT_NE(next.find(must_repeat), std::string::npos) << next;
      }
    }
    if (pages != nullptr) *pages = n;
    return out;
  }

  std::vector<std::string> Of(std::initializer_list<int> ns) {
    std::vector<std::string> out;
    for (int n : ns) out.push_back(ids_[static_cast<std::size_t>(n - 1)]);
    return out;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> client_;
  std::string acme_;
  std::vector<std::string> ids_;
};

TEST_F(Filters, EachFilterHoldsAndTheyCombine) {
  const std::string by = "/v1/workspaces/by-account/" + acme_;
  EXPECT_EQ(All(by, "acme-admin"), Of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(All(by + "?status=frozen", "acme-admin"), Of({2, 4, 6, 8, 10}));
  EXPECT_EQ(All(by + "?region=eu-west-1", "acme-admin"), Of({1, 2, 3, 4}));
  EXPECT_EQ(All(by + "?label=team:data&label=tier:gold%20%26%20silver", "acme-admin"), Of({3, 6}));
  EXPECT_EQ(All(by + "?name_prefix=Staging", "acme-admin"), Of({6, 7, 8, 9, 10}));
  EXPECT_EQ(All(by + "?name_prefix=Prod+1", "acme-admin"), Of({1}));
  EXPECT_EQ(All(by + "?status=active&region=us-east-1&label=team:data", "acme-admin"), Of({5}));
  EXPECT_EQ(All("/v1/workspaces?status=active", "alice"), Of({1, 3, 5, 7, 9}));
  EXPECT_EQ(All("/v1/workspaces?region=eu-west-1&label=team:data", "alice"), Of({1, 3, 4}));
  EXPECT_TRUE(All("/v1/workspaces?status=error", "alice").empty());
}

TEST_F(Filters, PagesFollowTheLinkWithTheFiltersAndAreNeverCutShort) {
  const std::string by = "/v1/workspaces/by-account/" + acme_;
  int pages = 0;
  EXPECT_EQ(All(by + "?limit=2&status=frozen&label=team:data", "acme-admin",
                "&status=frozen&label=team%3Adata", &pages),
            Of({2, 4, 6}));
  EXPECT_EQ(pages, 2) << "2 then 1: the filter applies before the page is cut";
  EXPECT_EQ(
      All("/v1/workspaces?limit=1&name_prefix=Prod%20", "alice", "&name_prefix=Prod%20", &pages),
      Of({1, 3, 4, 5}));
  EXPECT_EQ(pages, 4);
  // A cursor belongs to the filters that gave it: with others (or none)
  // it is refused, never read as a position in another list.
  const HttpResponse first =
      client_->Get(by + "?limit=2&status=frozen", server_->Token("acme-admin"));
  const std::string link = first.Header("Link");
  const std::string cursor =
      link.substr(link.find("cursor=") + 7, link.find('&', link.find("cursor=")) -
                                                 link.find("cursor=") - 7);
  EXPECT_EQ(All(by + "?status=frozen&cursor=" + cursor + "&limit=2", "acme-admin"),
            Of({6, 8, 10}));
  for (const std::string_view other : {"?status=active&", "?"}) {
    const HttpResponse r =
        client_->Get(by + std::string(other) + "cursor=" + cursor, server_->Token("acme-admin"));
    ExpectProblem(r, 400);
    EXPECT_NE(r.body.find("another list"), std::string::npos) << r.body;
  }
}

TEST_F(Filters, ABadFilterIsA400NamingItsParameterAfterThePermission) {
  const std::string by = "/v1/workspaces/by-account/" + acme_;
  for (const char* const q :
       {"status=purged", "region=mars-1", "label=team", "label=no%20spaces:x",
        "label=team:a&label=team:b", "name_prefix=", "status=active&status=frozen",
        "region=eu-west-1&region=us-east-1"}) {
    const std::string query = q;
    for (const std::string& path : {by, std::string("/v1/workspaces")}) {
      const HttpResponse r = client_->Get(path + "?" + query, server_->Token("acme-admin"));
      ExpectProblem(r, 400);
      const std::string param = query.substr(0, query.find('='));
      EXPECT_NE(r.body.find("'" + param + "'"), std::string::npos) << query << ": " << r.body;
    }
    // Without read on the account: 404, whatever the query.
    ExpectProblem(client_->Get(by + "?" + query, server_->Token("outsider")), 404);
  }
  std::string many = by + "?label=k0:v";
  for (int i = 1; i <= 16; ++i) many += "&label=k" + std::to_string(i) + ":v";
  ExpectProblem(client_->Get(many, server_->Token("acme-admin")), 400);
}

// A caller's own list of deleted workspaces holds those they may restore
// (administer), as GET answers them one by one; pages follow the
// memberships read, so one may be short, and none is skipped.
TEST_F(Filters, DeletedWorkspacesAreListedToThoseWhoAdministerThem) {
  const std::vector<std::pair<int, WorkspaceRole>> dana = {
      {1, WorkspaceRole::kAdmin},  {2, WorkspaceRole::kMember}, {3, WorkspaceRole::kAdmin},
      {4, WorkspaceRole::kViewer}, {5, WorkspaceRole::kMember}, {6, WorkspaceRole::kAdmin},
      {8, WorkspaceRole::kAdmin}};
  for (const auto& [n, role] : dana) seed_->Member(ids_[static_cast<std::size_t>(n - 1)], "dana", role);
  for (int n = 1; n <= 6; ++n)
    Change(ids_[static_cast<std::size_t>(n - 1)],
           [](model::Workspace& ws) { ws.status = WorkspaceStatus::kDeleted; });
  for (const std::string limit : {"1", "2", "100"}) {
    int pages = 0;
    EXPECT_EQ(All("/v1/workspaces?status=deleted&limit=" + limit, "dana", "status=deleted", &pages),
              Of({1, 3, 6}))
        << limit;
    if (limit == "1") {
      EXPECT_GE(pages, 3);
    }
  }
  for (int n : {1, 2, 3, 4, 5, 6, 8}) {
    const int status =
        client_->Get("/v1/workspaces/" + ids_[static_cast<std::size_t>(n - 1)], server_->Token("dana"))
            .status;
    const bool listed = n == 1 || n == 3 || n == 6;
    EXPECT_EQ(status, listed || n == 8 ? 200 : 404) << n;
  }
  // Her unfiltered list shows only what is not deleted; another filter
  // combines with the status.
  EXPECT_EQ(All("/v1/workspaces", "dana"), Of({8}));
  EXPECT_EQ(All("/v1/workspaces?status=deleted&name_prefix=Prod+3", "dana"), Of({3}));
  EXPECT_EQ(All("/v1/workspaces?status=deleting", "dana"), Of({}));
  // alice was a viewer of the odd ones and 4: nothing to restore. The
  // account's admin is a member of none: her own list is empty too (hers
  // is by account).
  EXPECT_EQ(All("/v1/workspaces?status=deleted", "alice"), Of({}));
  EXPECT_EQ(All("/v1/workspaces?status=deleted", "acme-admin"), Of({}));
  EXPECT_EQ(All("/v1/workspaces/by-account/" + acme_ + "?status=deleted", "acme-admin"),
            Of({1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace workspaced::testing
