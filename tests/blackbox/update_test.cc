// PATCH /v1/workspaces/{id} through the real binary: a JSON merge patch of
// the mutable fields (name, slug, labels, runtime, deletion protection), seen
// at once by GET and both lists; refused fields, callers, media types, stale
// ETags and frozen workspaces change nothing; every change is audited with
// the fields it changed, before and after.
#include <algorithm>
#include <future>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

using model::AccountRole;
using model::WorkspaceRole;

using Headers = std::vector<std::pair<std::string, std::string>>;

class Update : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start();
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "acct-admin");
    seed_->AccountMember(acme_, "acct-member", AccountRole::kMember);
    globex_ = seed_->Account("Globex", "rival-admin");
    ws_ = seed_->Workspace(acme_, "Prod");
    other_ = seed_->Workspace(acme_, "Other");
    rival_ = seed_->Workspace(globex_, "Rival");
    seed_->Member(ws_, "ws-admin", WorkspaceRole::kAdmin);
    seed_->Member(ws_, "ws-member", WorkspaceRole::kMember);
    seed_->Member(ws_, "ws-viewer", WorkspaceRole::kViewer);
    c_ = std::make_unique<HttpClient>(server_->port());
  }

  const std::string& Token(const std::string& who) {
    auto it = tokens_.find(who);
    if (it == tokens_.end()) it = tokens_.emplace(who, server_->Token(who)).first;
    return it->second;
  }

  HttpResponse Patch(const std::string& body, const std::string& who = "ws-admin",
                     Headers extra = {{"Content-Type", "application/merge-patch+json"}},
                     const std::string& ws = "") {
    extra.emplace_back("Authorization", "Bearer " + Token(who));
    return c_->Send("PATCH", "/v1/workspaces/" + (ws.empty() ? ws_ : ws), extra, body);
  }

  boost::json::object Get(const std::string& ws = "") {
    const HttpResponse r = c_->Get("/v1/workspaces/" + (ws.empty() ? ws_ : ws), Token("admin"));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body).as_object();
  }
  std::string Etag() { return c_->Get("/v1/workspaces/" + ws_, Token("admin")).Header("ETag"); }

  // The workspace's entry in a list answer.
  boost::json::object Listed(const HttpResponse& list) {
    EXPECT_EQ(list.status, 200) << list.body;
    const boost::json::value all = Json(list.body);
    for (const auto& w : all.as_array())
      if (w.as_object().at("id").as_string() == ws_) return w.as_object();
    ADD_FAILURE() << "not listed: " << list.body;
    return {};
  }

  // The workspace's workspace.update events, newest first.
  boost::json::array Updates() {
    const HttpResponse r =
        c_->Get("/v1/workspaces/" + ws_ + "/audit?action=workspace.update", Token("admin"));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body).as_array();
  }

  static std::vector<std::string> ErrorFields(const HttpResponse& r) {
    std::vector<std::string> out;
    const auto body = Json(r.body).as_object();
    if (const auto* errors = body.if_contains("errors"))
      for (const auto& e : errors->as_array())
        out.emplace_back(e.as_object().at("field").as_string());
    return out;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> c_;
  std::map<std::string, std::string> tokens_;
  std::string acme_, globex_, ws_, other_, rival_;
};

TEST_F(Update, EachFieldChangeIsSeenByGetAndByBothLists) {
  // Both lists rendered (and cached) before the change.
  const std::string by_account = "/v1/workspaces/by-account/" + acme_;
  EXPECT_EQ(Listed(c_->Get("/v1/workspaces", Token("ws-admin"))).at("name").as_string(), "Prod");
  EXPECT_EQ(Listed(c_->Get(by_account, Token("acct-admin"))).at("name").as_string(), "Prod");
  const std::string etag = Etag();
  EXPECT_FALSE(Get().at("deletion_protection").as_bool()) << "off unless set";

  const HttpResponse r =
      Patch(R"({"name":"Production EU","slug":"production-eu","labels":{"tier":"gold"},)"
            R"("runtime":{"generation":"mk4"},"deletion_protection":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_FALSE(r.Header("ETag").empty());
  EXPECT_NE(r.Header("ETag"), etag);
  EXPECT_EQ(r.Header("ETag"), Etag()) << "the answer carries the new ETag";
  const auto answered = Json(r.body).as_object();
  EXPECT_EQ(answered, Get()) << "the answer is the workspace as GET shows it";

  for (const boost::json::object& w : {Get(), Listed(c_->Get("/v1/workspaces", Token("ws-admin"))),
                                       Listed(c_->Get(by_account, Token("acct-admin")))}) {
    EXPECT_EQ(w.at("name").as_string(), "Production EU");
    EXPECT_EQ(w.at("slug").as_string(), "production-eu");
    EXPECT_EQ(w.at("labels"), Json(R"({"team":"platform","tier":"gold"})"));
    EXPECT_EQ(w.at("runtime").at("generation").as_string(), "mk4");
    EXPECT_TRUE(w.at("deletion_protection").as_bool());
    EXPECT_EQ(w.at("updated_by").as_string(), "ws-admin");
    // What a merge patch leaves out stays as it was.
    EXPECT_EQ(w.at("status").as_string(), "active");
    EXPECT_EQ(w.at("region").as_string(), "us-east-1");
  }

  // Turned off again, alone.
  const HttpResponse off = Patch(R"({"deletion_protection":false})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(Get().at("deletion_protection").as_bool());
  EXPECT_EQ(Get().at("name").as_string(), "Production EU");
}

TEST_F(Update, LabelsMergeKeyByKeyAndNullRemoves) {
  ASSERT_EQ(Patch(R"({"labels":{"env":"prod"}})").status, 200);
  EXPECT_EQ(Get().at("labels"), Json(R"({"env":"prod","team":"platform"})"));
  ASSERT_EQ(Patch(R"({"labels":{"team":null,"env":"staging","gone":null}})").status, 200);
  EXPECT_EQ(Get().at("labels"), Json(R"({"env":"staging"})"));
  ASSERT_EQ(Patch(R"({"labels":null})").status, 200);
  EXPECT_EQ(Get().at("labels"), Json("{}"));
  // The create's limits: 64 labels at most, counted after the merge.
  std::string many = R"({"labels":{)";
  for (int i = 0; i < 64; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"v\"";
  ASSERT_EQ(Patch(many + "}}").status, 200);
  const HttpResponse over = Patch(R"({"labels":{"one-more":"v"}})");
  ExpectProblem(over, 422);
  EXPECT_EQ(ErrorFields(over), std::vector<std::string>{"labels"});
  EXPECT_EQ(Get().at("labels").as_object().size(), 64u);
}

TEST_F(Update, ASlugChangesOnlyWhenFreeInTheAccount) {
  const std::string taken(Get(other_).at("slug").as_string());
  const std::string etag = Etag();
  const HttpResponse conflict = Patch(R"({"slug":")" + taken + R"("})");
  ExpectProblem(conflict, 409);
  EXPECT_NE(conflict.body.find("already used in this account"), std::string::npos);
  EXPECT_EQ(Etag(), etag);
  // Another account's slug is no conflict; an invalid one is a 422.
  const std::string elsewhere(Get(rival_).at("slug").as_string());
  ASSERT_EQ(Patch(R"({"slug":")" + elsewhere + R"("})").status, 200);
  EXPECT_EQ(Get().at("slug").as_string(), elsewhere);
  const HttpResponse bad = Patch(R"({"slug":"Not A Slug"})");
  ExpectProblem(bad, 422);
  EXPECT_EQ(ErrorFields(bad), std::vector<std::string>{"slug"});
  // The slug /v0 keeps for an endpoint of its own (domain::IsReservedSlug).
  const std::string before = Etag();
  const HttpResponse reserved = Patch(R"({"slug":"availability"})");
  ExpectProblem(reserved, 409);
  EXPECT_NE(reserved.body.find("reserved"), std::string::npos) << reserved.body;
  EXPECT_EQ(Etag(), before);
}

TEST_F(Update, ServerOwnedFixedAndUnknownFieldsAre422NamingEachAndChangeNothing) {
  const std::string etag = Etag();
  const HttpResponse r =
      Patch(R"({"name":"fine","id":"x","status":"frozen","updated_at":"2026-01-01T00:00:00Z",)"
            R"("provisioning_phase":"ready","region":"eu-west-1","account_id":")" +
            globex_ + R"(","group_mappings":[],"colour":"red"})");
  ExpectProblem(r, 422);
  std::vector<std::string> fields = ErrorFields(r);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields,
            (std::vector<std::string>{"account_id", "colour", "group_mappings", "id",
                                      "provisioning_phase", "region", "status", "updated_at"}));
  EXPECT_EQ(Etag(), etag);
  EXPECT_EQ(Get().at("name").as_string(), "Prod");
  ExpectProblem(Patch("{not json"), 400);
  ExpectProblem(Patch("[]"), 422);
  ExpectProblem(c_->Send("PATCH", "/v1/workspaces/" + ws_ + "?dry_run=1",
                         {{"Authorization", "Bearer " + Token("ws-admin")},
                          {"Content-Type", "application/merge-patch+json"}},
                         "{}"),
                400);
  EXPECT_EQ(Etag(), etag);
  EXPECT_TRUE(Updates().empty());
}

TEST_F(Update, MergePatchOrPlainJsonAndNothingElse) {
  EXPECT_EQ(Patch(R"({"name":"A"})", "ws-admin",
                  {{"Content-Type", "application/merge-patch+json; charset=utf-8"}})
                .status,
            200);
  EXPECT_EQ(Patch(R"({"name":"B"})", "ws-admin", {{"Content-Type", "Application/JSON"}}).status,
            200);
  const std::string etag = Etag();
  for (const char* type : {"application/json-patch+json", "text/plain", ""}) {
    Headers h;
    if (*type != '\0') h.emplace_back("Content-Type", type);
    const HttpResponse r = Patch(R"({"name":"C"})", "ws-admin", h);
    ExpectProblem(r, 415);
    EXPECT_NE(r.body.find("merge-patch"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Etag(), etag);
}

TEST_F(Update, IfMatchIsOptionalAndAStaleOneIs412) {
  const std::string v1 = Etag();
  ASSERT_EQ(Patch(R"({"name":"unconditional"})").status, 200);
  const std::string v2 = Etag();
  const HttpResponse stale =
      Patch(R"({"name":"stale"})", "ws-admin",
            {{"Content-Type", "application/merge-patch+json"}, {"If-Match", v1}});
  ExpectProblem(stale, 412);
  EXPECT_NE(stale.body.find(v2.substr(1, v2.size() - 2)), std::string::npos)
      << "names the current ETag: " << stale.body;
  const HttpResponse weak =
      Patch(R"({"name":"weak"})", "ws-admin",
            {{"Content-Type", "application/merge-patch+json"}, {"If-Match", "W/" + v2}});
  ExpectProblem(weak, 412);
  // Not "has changed": it has not; the weak form can never match (outside audit).
  EXPECT_NE(weak.body.find("a weak tag (W/...) never matches"), std::string::npos) << weak.body;
  EXPECT_EQ(weak.body.find("has changed"), std::string::npos) << weak.body;
  EXPECT_EQ(Get().at("name").as_string(), "unconditional");
  const HttpResponse current =
      Patch(R"({"name":"conditional"})", "ws-admin",
            {{"Content-Type", "application/merge-patch+json"}, {"If-Match", v2}});
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_EQ(Patch(R"({"name":"any"})", "ws-admin",
                  {{"Content-Type", "application/merge-patch+json"}, {"If-Match", "*"}})
                .status,
            200);
}

TEST_F(Update, APatchThatChangesNothingKeepsTheVersionAndIsNotAudited) {
  const std::string etag = Etag();
  for (const char* body : {"{}", R"({"name":"Prod","labels":{"team":"platform","absent":null}})",
                           R"({"runtime":{"generation":"mk3"},"deletion_protection":false})"}) {
    const HttpResponse r = Patch(body);
    ASSERT_EQ(r.status, 200) << body << ": " << r.body;
    EXPECT_EQ(r.Header("ETag"), etag) << body;
  }
  EXPECT_EQ(Etag(), etag);
  EXPECT_TRUE(Updates().empty());
}

TEST_F(Update, EveryChangeIsAuditedWithTheFieldsItChangedBeforeAndAfter) {
  const std::string seeded_slug(Get().at("slug").as_string());
  ASSERT_EQ(Patch(R"({"name":"Prod \"EU\"","labels":{"team":null,"env":"prod"},)"
                  R"("deletion_protection":true,"slug":"prod"})")
                .status,
            200);
  const boost::json::array events = Updates();
  ASSERT_EQ(events.size(), 1u);
  const auto& e = events[0].as_object();
  EXPECT_EQ(e.at("action").as_string(), "workspace.update");
  EXPECT_EQ(e.at("outcome").as_string(), "success");
  EXPECT_EQ(e.at("actor").as_object().at("subject").as_string(), "ws-admin");
  const auto& before = e.at("details").at("before").as_object();
  const auto& after = e.at("details").at("after").as_object();
  EXPECT_EQ(before.at("slug").as_string(), seeded_slug);
  EXPECT_EQ(before.at("name").as_string(), "Prod");
  EXPECT_EQ(after.at("name").as_string(), "Prod \"EU\"");
  EXPECT_EQ(after.at("slug").as_string(), "prod");
  EXPECT_EQ(before.at("labels"), Json(R"({"env":null,"team":"platform"})"));
  EXPECT_EQ(after.at("labels"), Json(R"({"env":"prod","team":null})"));
  EXPECT_EQ(before.at("deletion_protection"), Json("false"));
  EXPECT_EQ(after.at("deletion_protection"), Json("true"));
  EXPECT_EQ(before.size(), 4u) << "runtime did not change";
  const CommandResult verify =
      RunWorkspaced({"audit", "verify", "--data-dir", server_->data_dir()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(Update, AFrozenWorkspaceAnswers423UntilUnfrozen) {
  const Headers json{{"Content-Type", "application/json"},
                     {"Authorization", "Bearer " + Token("ws-admin")}};
  const std::string status = "/v1/workspaces/" + ws_ + "/status";
  ASSERT_EQ(c_->Send("PATCH", status, json, R"({"status":"frozen","reason":"legal hold"})").status,
            200);
  const std::string etag = Etag();
  const HttpResponse locked = Patch(R"({"name":"while frozen"})");
  ExpectProblem(locked, 423);
  EXPECT_NE(locked.body.find("legal hold"), std::string::npos) << locked.body;
  ExpectProblem(Patch("{}"), 423);
  EXPECT_EQ(Etag(), etag);
  ASSERT_EQ(c_->Send("PATCH", status, json, R"({"status":"active"})").status, 200);
  EXPECT_EQ(Patch(R"({"name":"after"})").status, 200);
}

TEST_F(Update, CallersWithoutAdministerAreRefusedAndChangeNothing) {
  const std::string etag = Etag();
  for (const auto& [who, want] : std::vector<std::pair<std::string, int>>{{"ws-viewer", 403},
                                                                          {"ws-member", 403},
                                                                          {"acct-member", 403},
                                                                          {"rival-admin", 404},
                                                                          {"nobody", 404}}) {
    const HttpResponse r = Patch(R"({"name":"hijacked"})", who);
    ExpectProblem(r, want);
    EXPECT_EQ(r.body.find("Prod"), std::string::npos) << who << ": " << r.body;
  }
  EXPECT_EQ(Etag(), etag);
  EXPECT_TRUE(Updates().empty());
  // An account admin administers every workspace of the account.
  EXPECT_EQ(Patch(R"({"name":"by the account"})", "acct-admin").status, 200);
  // Another tenant's workspace is out of reach whatever the body.
  ExpectProblem(
      Patch(R"({"name":"x"})", "ws-admin", {{"Content-Type", "application/json"}}, rival_), 404);
}

// Two clients send a change with the same If-Match at once: exactly one wins,
// the other is told the workspace changed; no change is lost unseen.
TEST_F(Update, TwoPatchesWithTheSameIfMatchOneSucceedsOneIs412) {
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    const std::string etag = Etag();
    auto send = [&](const std::string& name) {
      HttpClient own(server_->port());
      return own
          .Send("PATCH", "/v1/workspaces/" + ws_,
                {{"Authorization", "Bearer " + Token("ws-admin")},
                 {"Content-Type", "application/merge-patch+json"},
                 {"If-Match", etag}},
                R"({"name":")" + name + R"("})")
          .status;
    };
    Token("ws-admin");  // made before the threads share the cache
    auto a = std::async(std::launch::async, send, "a" + std::to_string(round));
    auto b = std::async(std::launch::async, send, "b" + std::to_string(round));
    std::vector<int> statuses{a.get(), b.get()};
    std::sort(statuses.begin(), statuses.end());
    EXPECT_EQ(statuses, (std::vector<int>{200, 412})) << "round " << round;
  }
  EXPECT_EQ(Updates().size(), static_cast<std::size_t>(kRounds));
}

}  // namespace
}  // namespace workspaced::testing
