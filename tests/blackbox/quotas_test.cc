// Quotas and finding accounts through the real binary, on SQLite and (as
// Postgres.*) on PostgreSQL: 50 creates at once against a quota of 10 leave
// exactly 10 workspaces, each refusal the quota-exceeded problem; GET
// /v1/accounts lists exactly what each caller may read.
#include <atomic>
#include <thread>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

class Quotas : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig();
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "acme-admin");
    seed_->AccountMember(acme_, "acme-member", AccountRole::kMember);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  HttpResponse Send(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers{
        {"Authorization", "Bearer " + server_->Token(who)}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    return client_->Send(method, path, headers, body);
  }
  HttpResponse PutQuotas(const std::string& body, const std::string& who = "admin") {
    return Send("PUT", "/v1/accounts/" + acme_ + "/quotas", who, body);
  }
  boost::json::object GetQuotas(const std::string& who = "acme-member") {
    const HttpResponse r = Send("GET", "/v1/accounts/" + acme_ + "/quotas", who);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body).as_object();
  }
  // A 409 quota-exceeded problem: its limit, allowed and current.
  static std::string Refusal(const HttpResponse& r) {
    ExpectProblem(r, 409);
    const auto o = Json(r.body).as_object();
    EXPECT_EQ(o.at("type").as_string(), "urn:workspaced:problem:quota-exceeded") << r.body;
    EXPECT_EQ(o.at("title").as_string(), "Quota Exceeded");
    return boost::json::serialize(boost::json::object{
        {"limit", o.at("limit")}, {"allowed", o.at("allowed")}, {"current", o.at("current")}});
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> client_;
  std::string acme_;
};

TEST_F(Quotas, FiftyConcurrentCreatesAgainstAQuotaOfTenLeaveExactlyTen) {
  const HttpResponse put = PutQuotas(R"({"workspaces":10})");
  ASSERT_EQ(put.status, 200) << put.body;
  std::atomic<int> accepted{0}, refused{0}, other{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  const std::string token = server_->Token("acme-admin");
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c(server_->port());
      while (!go.load()) std::this_thread::yield();
      const HttpResponse r = PostWorkspace(c, token, CreateBody(acme_, "ws-" + std::to_string(i)));
      if (r.status == 202) {
        ++accepted;
      } else if (r.status == 409 &&
                 Refusal(r) == R"({"limit":"workspaces","allowed":10,"current":10})") {
        ++refused;
      } else {
        ++other;
        ADD_FAILURE() << r.status << " " << r.body;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 10);
  EXPECT_EQ(refused.load(), 40);
  EXPECT_EQ(other.load(), 0);
  const auto quotas = GetQuotas();
  EXPECT_EQ(boost::json::serialize(quotas.at("workspaces")), R"({"allowed":10,"current":10})");
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM workspaces WHERE account_id = '" + acme_ + "'"),
            10);
}

TEST_F(Quotas, AnAccountShowsItsQuotasWithTheUsageAndOnlyPlatformAdminsSetThem) {
  const std::string ws = seed_->Workspace(acme_, "Seeded");
  seed_->Member(ws, "alice", WorkspaceRole::kViewer);
  auto q = GetQuotas();
  EXPECT_EQ(boost::json::serialize(q),
            R"({"account_id":")" + acme_ +
                R"(","workspaces":{"allowed":null,"current":1},)"
                R"("members_per_workspace":{"allowed":null,"current":1},)"
                R"("secrets_per_workspace":{"allowed":null,"current":0},)"
                R"("vault_records_per_workspace":{"allowed":null,"current":0},)"
                R"("regions":{"allowed":null,"current":["us-east-1"]},)"
                R"("updated_at":null,"updated_by":null})");
  // The account's own admin reads them but may not set them.
  ExpectProblem(PutQuotas(R"({"workspaces":1})", "acme-admin"), 403);
  ExpectProblem(PutQuotas(R"({"workspaces":1})", "outsider"), 404);
  ExpectProblem(Send("GET", "/v1/accounts/" + acme_ + "/quotas", "outsider"), 404);
  // Every bad field at once, and nothing changes.
  const HttpResponse bad =
      PutQuotas(R"({"workspaces":-1,"members_per_workspace":0,"regions":["mars-1"],"cpu":1})");
  ExpectProblem(bad, 422);
  EXPECT_EQ(Json(bad.body).as_object().at("errors").as_array().size(), 4u) << bad.body;
  ExpectProblem(PutQuotas("{"), 400);
  EXPECT_EQ(Send("PUT", "/v1/accounts/" + acme_ + "/quotas?x=1", "admin", "{}").status, 400);
  EXPECT_EQ(GetQuotas().at("updated_by"), nullptr);

  const HttpResponse put =
      PutQuotas(R"({"workspaces":5,"members_per_workspace":1,"regions":["eu-west-1"]})");
  ASSERT_EQ(put.status, 200) << put.body;
  q = Json(put.body).as_object();
  EXPECT_EQ(boost::json::serialize(q.at("members_per_workspace")), R"({"allowed":1,"current":1})");
  EXPECT_EQ(boost::json::serialize(q.at("regions")),
            R"({"allowed":["eu-west-1"],"current":["us-east-1"]})");
  EXPECT_EQ(q.at("updated_by").as_string(), "admin");
  EXPECT_EQ(GetQuotas(), q);
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM audit_events WHERE action = 'account.quotas.put' "
                      "AND target_id = '" +
                          acme_ + "' AND actor = 'admin'"),
            1);

  // The region and the member quotas refuse with the same problem.
  EXPECT_EQ(Refusal(PostWorkspace(*client_, server_->Token("acme-admin"),
                                  CreateBody(acme_, "Elsewhere"))),
            R"({"limit":"regions","allowed":["eu-west-1"],"current":["us-east-1"]})");
  EXPECT_EQ(Refusal(Send("PUT", "/v1/workspaces/" + ws + "/members/bob", "admin",
                         R"({"role":"viewer"})")),
            R"({"limit":"members_per_workspace","allowed":1,"current":1})");
  EXPECT_EQ(Send("PUT", "/v1/workspaces/" + ws + "/members/alice", "admin", R"({"role":"member"})")
                .status,
            200)
      << "a member changing role takes no new place";
}

// `workspaced quotas recount`: a kept count that a hand edit moved away
// from the items (clamped at 0, quotas would read it as it is) is named by
// the dry run (exit 1, nothing written) and set right by the recount; the
// quota reads the items held again.
TEST_F(Quotas, RecountFindsAndSetsRightACountThatDriftedFromItsItems) {
  const HttpResponse created =
      PostWorkspace(*client_, server_->Token("acme-admin"), CreateBody(acme_, "Counted"));
  ASSERT_EQ(created.status, 202) << created.body;
  const auto accepted = Json(created.body).as_object();
  const std::string ws(accepted.at("workspace_id").as_string());
  ASSERT_EQ(WaitRun(*client_, server_->Token("acme-admin"),
                    std::string(accepted.at("provisioning_run_id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");
  for (const char* name : {"A", "B", "C"}) {
    ASSERT_EQ(
        Send("PUT", "/v1/workspaces/" + ws + "/secrets/" + name, "acme-admin", R"({"value":"v"})")
            .status,
        201);
  }
  const std::string dir = server_->data_dir();
  const auto current = [&] {
    return GetQuotas().at("secrets_per_workspace").as_object().at("current");
  };
  ASSERT_EQ(current(), 3);
  const std::vector<std::string> recount{"quotas", "recount", "--data-dir", dir};
  std::vector<std::string> dry_run = recount;
  dry_run.push_back("--dry-run");
  const CommandResult agreed = RunWorkspaced(dry_run);
  EXPECT_EQ(agreed.exit_code, 0) << agreed.out << agreed.err;
  EXPECT_NE(agreed.out.find("pillar counts agree with the items"), std::string::npos) << agreed.out;

  ExecSql(dir, "UPDATE pillar_counts SET items = 7 WHERE workspace_id = '" + ws + "'");
  ASSERT_EQ(current(), 7);
  const CommandResult found = RunWorkspaced(dry_run);
  EXPECT_EQ(found.exit_code, 1) << found.out << found.err;
  EXPECT_NE(found.out.find("workspace " + ws + " secret: counted 7, holds 3"), std::string::npos)
      << found.out;
  EXPECT_EQ(current(), 7) << "a dry run writes nothing";
  const CommandResult fixed = RunWorkspaced(recount);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_NE(fixed.out.find("recounted: 1 count set to the items held"), std::string::npos)
      << fixed.out;
  EXPECT_EQ(current(), 3);

  // A count row gone reads as 0: the recount writes it again.
  ExecSql(dir, "DELETE FROM pillar_counts WHERE workspace_id = '" + ws + "'");
  ASSERT_EQ(current(), 0);
  const CommandResult missing = RunWorkspaced(recount);
  EXPECT_EQ(missing.exit_code, 0) << missing.out << missing.err;
  EXPECT_NE(missing.out.find("secret: counted 0, holds 3"), std::string::npos) << missing.out;
  EXPECT_EQ(current(), 3);
  EXPECT_EQ(RunWorkspaced(dry_run).exit_code, 0);
}

TEST_F(Quotas, ListAccountsShowsEachCallerExactlyTheAccountsItMayRead) {
  const std::string globex = seed_->Account("Globex", "globex-admin");
  const std::string ws = seed_->Workspace(globex, "Rival");
  seed_->Member(ws, "ws-only", WorkspaceRole::kAdmin);
  const std::string def = seed_->DefaultAccount();
  const auto ids = [&](const std::string& who, const std::string& query = "") {
    const HttpResponse r = Send("GET", "/v1/accounts" + query, who);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const boost::json::value list = Json(r.body);
    for (const auto& a : list.as_array()) {
      out.emplace_back(a.at("id").as_string());
      // Each listed account is one GET /v1/accounts/{id} answers.
      EXPECT_EQ(Send("GET", "/v1/accounts/" + out.back(), who).status, 200) << who;
    }
    return out;
  };
  EXPECT_EQ(ids("admin"), (std::vector<std::string>{def, acme_, globex}));
  EXPECT_EQ(ids("acme-member"), (std::vector<std::string>{acme_}));
  EXPECT_EQ(ids("globex-admin"), (std::vector<std::string>{globex}));
  EXPECT_TRUE(ids("ws-only").empty())
      << "a workspace membership does not make its account readable";
  EXPECT_TRUE(ids("nobody").empty());

  // Pages with the Link scheme of the other lists.
  const HttpResponse first = Send("GET", "/v1/accounts?limit=2", "admin");
  ASSERT_EQ(first.status, 200);
  const std::string link = first.Header("Link");
  ASSERT_NE(link.find("rel=\"next\""), std::string::npos) << link;
  const std::string next = link.substr(1, link.find('>') - 1);
  EXPECT_EQ(next.rfind("/v1/accounts?limit=2&cursor=", 0), 0u) << next;
  const HttpResponse second = Send("GET", next, "admin");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(Json(second.body).as_array().size(), 1u);
  EXPECT_TRUE(second.Header("Link").empty());
  ExpectProblem(Send("GET", "/v1/accounts?limit=0", "admin"), 400);
  ExpectProblem(Send("GET", "/v1/accounts?sort=name", "admin"), 400);
  ExpectProblem(client_->Get("/v1/accounts"), 401);
}

}  // namespace
}  // namespace workspaced::testing
