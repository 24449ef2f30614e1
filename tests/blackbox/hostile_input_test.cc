// Hostile input that got through the landed checks (issue 14's probes "and
// more"): each request is refused with a precise problem and changes nothing.
#include <algorithm>
#include <functional>
#include <map>

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
    auto r =
        c.Get("/v1/workspaces/by-account/" + account_ + "?limit=1000", server_->Token("admin"));
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
      {"PUT", "/v1/workspaces/" + ws_ + "/secrets/API_KEY", R"({"value":"a","value":"b"})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target + " " + c.body);
    auto r = Send(c.method, c.target, c.body);
    ExpectProblem(r, 400);
    EXPECT_NE(r.body.find("duplicate member name"), std::string::npos) << r.body;
  }
  // The Blaxel-compatible surface reads its bodies the same way (its own
  // error shape: docs/blaxel.md).
  auto v0 =
      Send("POST", "/v0/workspaces", R"({"name":"dup-a","name":"dup-b","region":"us-east-1"})");
  EXPECT_EQ(v0.status, 400) << v0.body;
  EXPECT_NE(v0.body.find("duplicate member name"), std::string::npos) << v0.body;
  // The name is escaped: a bidi override comes back as \u202e, not raw.
  const HttpResponse bidi =
      Send("PATCH", "/v1/workspaces/" + ws_ + "/status", "{\"\u202eX\":1,\"\u202eX\":2}");
  ExpectProblem(bidi, 400);
  EXPECT_NE(bidi.body.find(R"(duplicate member name \"\\u202eX\")"), std::string::npos)
      << bidi.body;
  EXPECT_EQ(bidi.body.find("\u202e"), std::string::npos) << "raw U+202E echoed";
  EXPECT_EQ(WorkspacesInAccount(), before);
  EXPECT_EQ(WorkspaceBody(), ws_before);
  EXPECT_EQ(MembersBody(), members_before);
}

TEST_F(HostileInput, ADotSegmentIsNoMember) {
  // …/members/.. is the workspace's own path once a proxy removes
  // dot-segments (RFC 3986 §5.2.4), percent-encoded or not: a member by that
  // name could be removed only by a request that deletes the workspace.
  const std::string before = MembersBody();
  for (const char* subject : {"%2E%2E", "%2e", "."}) {
    SCOPED_TRACE(subject);
    auto r = Send("PUT", "/v1/workspaces/" + ws_ + "/members/" + subject, R"({"role":"viewer"})");
    ExpectProblem(r, 400);
    EXPECT_NE(r.body.find("either end, not"), std::string::npos) << r.body;
  }
  EXPECT_EQ(MembersBody(), before);
  EXPECT_EQ(Send("PUT", "/v1/workspaces/" + ws_ + "/members/...", R"({"role":"viewer"})").status,
            201);
}

// A path parameter that is not valid percent-encoding is a 400 naming it,
// not "no such endpoint": the route is there, the input is bad (outside
// audit).
TEST_F(HostileInput, AMalformedPercentEncodingInAPathIsA400) {
  const std::string before = MembersBody();
  for (const char* subject : {"a%00b", "a%zz", "a%", "a%4"}) {
    SCOPED_TRACE(subject);
    auto r = Send("PUT", "/v1/workspaces/" + ws_ + "/members/" + subject, R"({"role":"viewer"})");
    ExpectProblem(r, 400);
    EXPECT_NE(r.body.find("the path's subject is not valid percent-encoding"), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(MembersBody(), before);
  ExpectProblem(Send("GET", "/v1/workspaces/%zz", ""), 400);
  ExpectProblem(Send("GET", "/v1/no-such-thing/%zz", ""), 404);  // no route: still 404
}

TEST_F(HostileInput, IfNoneMatchOnAChangeIsEvaluatedNotIgnored) {
  // RFC 9110 §13.1.2: If-None-Match: * asks "only if it does not exist", so
  // a PUT meant to add a member never replaces one that is there.
  auto added = Send("PUT", "/v1/workspaces/" + ws_ + "/members/carol", R"({"role":"viewer"})",
                    {{"If-None-Match", "*"}});
  EXPECT_EQ(added.status, 201) << added.body;
  auto again = Send("PUT", "/v1/workspaces/" + ws_ + "/members/carol", R"({"role":"admin"})",
                    {{"If-None-Match", "*"}});
  ExpectProblem(again, 412);
  auto current = Send("GET", "/v1/workspaces/" + ws_ + "/members/carol", "");
  EXPECT_NE(current.body.find("\"viewer\""), std::string::npos) << current.body;
  // A listed ETag that is the current one fails too (weak comparison).
  auto by_tag = Send("PUT", "/v1/workspaces/" + ws_ + "/members/carol", R"({"role":"admin"})",
                     {{"If-None-Match", "W/" + current.Header("ETag")}});
  ExpectProblem(by_tag, 412);
  auto other_tag = Send("PUT", "/v1/workspaces/" + ws_ + "/members/carol", R"({"role":"member"})",
                        {{"If-None-Match", "\"nope\""}});
  EXPECT_EQ(other_tag.status, 200) << other_tag.body;

  // A workspace always exists once addressed: If-None-Match: * never holds.
  const std::string before = WorkspaceBody();
  ExpectProblem(
      Send("PATCH", "/v1/workspaces/" + ws_, R"({"name":"Renamed"})", {{"If-None-Match", "*"}}),
      412);
  EXPECT_EQ(WorkspaceBody(), before);
}

TEST_F(HostileInput, IfMatchOnAResourceWithoutAnEtagIs412NotIgnored) {
  // Quotas and trusted issuers have no ETag: no listed tag can match it.
  const std::string quotas = "/v1/accounts/" + account_ + "/quotas";
  ExpectProblem(Send("PUT", quotas, R"({"workspaces":1})", {{"If-Match", "\"v1\""}}), 412);
  ExpectProblem(Send("PUT", quotas, R"({"workspaces":1})", {{"If-None-Match", "*"}}), 412);
  HttpClient c(server_->port());
  auto q = c.Get(quotas, server_->Token("admin"));
  EXPECT_NE(q.body.find("\"workspaces\":{\"allowed\":null"), std::string::npos) << q.body;
  const std::string issuers = "/v1/accounts/" + account_ + "/trusted-issuers";
  ExpectProblem(
      Send("PUT", issuers, R"([{"issuer":"https://evil.example/"}])", {{"If-Match", "\"x\""}}),
      412);
  auto a = c.Get("/v1/accounts/" + account_, server_->Token("admin"));
  EXPECT_EQ(a.body.find("evil.example"), std::string::npos) << a.body;
  // If-Match: * holds (the resource exists).
  EXPECT_EQ(Send("PUT", quotas, R"({})", {{"If-Match", "*"}}).status, 200);
}

// Each wrong member of a trusted-issuers list is named where it is
// ("[1].z", not "z"), a wrong type is not "is required", and the summary
// counts what is left out. A huge unknown key is not sent back whole.
TEST_F(HostileInput, TrustedIssuerErrorsNameTheElementAndAHugeKeyIsNotEchoed) {
  const std::string issuers = "/v1/accounts/" + account_ + "/trusted-issuers";
  HttpClient c(server_->port());
  const std::string before = c.Get("/v1/accounts/" + account_, server_->Token("admin")).body;
  const auto errors = [](const HttpResponse& r) {
    std::map<std::string, std::string> out;
    const auto body = Json(r.body);  // kept alive through the loop
    for (const auto& e : body.as_object().at("errors").as_array())
      out[std::string(e.at("field").as_string())] = std::string(e.at("detail").as_string());
    return out;
  };
  HttpResponse r =
      Send("PUT", issuers, R"([{"issuer":"https://a.example/"},{"issuer":7,"z":1},{}])");
  ExpectProblem(r, 422);
  auto e = errors(r);
  EXPECT_EQ(e.size(), 3u) << r.body;
  EXPECT_EQ(e["[1].issuer"], "must be a string") << r.body;
  EXPECT_EQ(e["[1].z"], "is not a field of this request") << r.body;
  EXPECT_EQ(e["[2].issuer"], "is required") << r.body;

  std::string many = "[";
  for (int i = 0; i < 30; ++i) many += std::string(i ? "," : "") + R"({"z":1})";
  r = Send("PUT", issuers, many + "]");
  ExpectProblem(r, 422);
  e = errors(r);
  EXPECT_EQ(e.size(), 21u) << r.body;  // 60 fields at fault: 20, then 40 more
  EXPECT_EQ(e[""], "and 40 more fields are at fault, not listed") << r.body;

  const std::string key(200'000, 'k');
  r = Send("PUT", issuers, R"([{")" + key + R"(":1,"issuer":"https://a.example/"}])");
  ExpectProblem(r, 422);
  EXPECT_LT(r.body.size(), 2000u);
  // An issuer or org that would display as another (a bidi override), or
  // with a space at an end, is refused as a name is (outside audit).
  for (const char* bad : {R"([{"issuer":"https://idp.example/\u202Emoc.live"}])",
                          R"([{"issuer":"https://idp.example/ "}])",
                          R"([{"issuer":"https://idp.example/","org":"acme\u200B"}])",
                          R"([{"issuer":"https://idp.example/","org":"acme\u2800"}])",
                          R"([{"issuer":"https://idp.example/\uFE0F"}])"}) {
    r = Send("PUT", issuers, bad);
    ExpectProblem(r, 422);
  }
  EXPECT_EQ(c.Get("/v1/accounts/" + account_, server_->Token("admin")).body, before);
}

TEST_F(HostileInput, IfMatchSentOnTwoFieldLinesIsOneList) {
  HttpClient c(server_->port());
  auto got = c.Get("/v1/workspaces/" + ws_, server_->Token("admin"));
  const std::string etag = got.Header("ETag");
  const std::string body = R"({"labels":{"lines":"two"}})";
  // Raw: the test client would keep only the last of two equal fields.
  const std::string out = HttpClient::Raw(
      server_->port(),
      "PATCH /v1/workspaces/" + ws_ + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
          server_->Token("admin") +
          "\r\nContent-Type: application/json\r\nIf-Match: \"v999\"\r\nIf-Match: " + etag +
          "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
          body);
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out.substr(0, 400);
}

TEST_F(HostileInput, AnAbsoluteFormTargetIsServedAsItsPath) {
  // RFC 9112 §3.2.2: a server MUST accept the absolute-form (what a client
  // sends to a proxy); it names the same resource as its path.
  const std::string ok = HttpClient::Raw(
      server_->port(), "GET HTTP://api.example/v1/workspaces/" + ws_ +
                           " HTTP/1.1\r\nHost: api.example\r\nAuthorization: Bearer " +
                           server_->Token("admin") + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok.substr(0, 300);
  EXPECT_NE(ok.find("\"id\":\"" + ws_ + "\""), std::string::npos) << ok.substr(0, 600);
  const std::string health = HttpClient::Raw(
      server_->port(), "GET http://x/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u) << health.substr(0, 300);
  // Another scheme is not a target we serve.
  const std::string ftp = HttpClient::Raw(
      server_->port(), "GET ftp://x/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ftp.rfind("HTTP/1.1 400", 0), 0u) << ftp.substr(0, 300);
}

// The two targets that are not paths (RFC 9112 §3.2.3, §3.2.4): `OPTIONS *`
// is answered with what the server allows, CONNECT is refused as a feature
// this server lacks, and either form with another method is malformed.
TEST_F(HostileInput, AsteriskAndAuthorityTargetsGetPreciseAnswers) {
  auto raw = [&](const std::string& line) {
    return HttpClient::Raw(server_->port(),
                           line + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  };
  const std::string options = raw("OPTIONS *");
  EXPECT_EQ(options.rfind("HTTP/1.1 204", 0), 0u) << options.substr(0, 300);
  EXPECT_NE(options.find("Allow: GET, HEAD, POST, PUT, PATCH, DELETE\r\n"), std::string::npos)
      << options;
  const std::string connect = raw("CONNECT db.internal:5432");
  EXPECT_EQ(connect.rfind("HTTP/1.1 501", 0), 0u) << connect.substr(0, 300);
  EXPECT_NE(connect.find("application/problem+json"), std::string::npos) << connect;
  for (const char* line : {"GET *", "DELETE *", "GET example.com:443"}) {
    const std::string r = raw(line);
    EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u) << line << ": " << r.substr(0, 300);
    EXPECT_NE(r.find("origin form"), std::string::npos) << r;
  }
}

TEST_F(HostileInput, LengthsAreCountedInCharactersAndAFreezeReasonIsDisplaySafe) {
  // The spec's maxLength counts characters: 255 emoji are a valid label value
  // (1020 bytes), 32 a valid runtime generation, 1000 a valid freeze reason.
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600
  auto ok = Send("PATCH", "/v1/workspaces/" + ws_,
                 R"({"labels":{"mood":")" + repeat(emoji, 255) + R"("},"runtime":{"generation":")" +
                     repeat(emoji, 32) + R"("}})");
  EXPECT_EQ(ok.status, 200) << ok.body.substr(0, 400);
  const std::string before = WorkspaceBody();
  auto long_value = Send("PATCH", "/v1/workspaces/" + ws_,
                         R"({"labels":{"mood":")" + repeat(emoji, 256) + R"("}})");
  ExpectProblem(long_value, 422);
  EXPECT_NE(long_value.body.find("labels.mood"), std::string::npos) << long_value.body;
  auto long_gen = Send("PATCH", "/v1/workspaces/" + ws_,
                       R"({"runtime":{"generation":")" + repeat(emoji, 33) + R"("}})");
  ExpectProblem(long_gen, 422);
  EXPECT_EQ(WorkspaceBody(), before);

  Seeder seed(server_->data_dir());
  const std::string frozen = seed.Workspace(account_, "Freezable");
  const std::string status = "/v1/workspaces/" + frozen + "/status";
  for (const std::string& reason :
       {std::string("billing\\u0001hold"), std::string("billing \xE2\x80\xAE dloh"),
        std::string("a\\u0085b"), repeat("x", 1001)}) {
    auto r = Send("PATCH", status, R"({"status":"frozen","reason":")" + reason + R"("})");
    ExpectProblem(r, 422);
    EXPECT_NE(r.body.find("\"reason\""), std::string::npos) << r.body;
  }
  HttpClient c(server_->port());
  EXPECT_NE(c.Get("/v1/workspaces/" + frozen, server_->Token("admin")).body.find("\"active\""),
            std::string::npos);
  auto emoji_reason =
      Send("PATCH", status, R"({"status":"frozen","reason":")" + repeat(emoji, 1000) + R"("})");
  EXPECT_EQ(emoji_reason.status, 200) << emoji_reason.body.substr(0, 300);
}

// A display name cannot hide a line break for JavaScript and log readers
// (U+2028), a bidirectional mark, or invisible text (tag characters, which
// some readers turn back into ASCII); joiners in emoji are fine.
TEST_F(HostileInput, NamesRefuseLineSeparatorsBidiMarksAndInvisibleTags) {
  const std::string before = WorkspaceBody();
  const std::size_t count = WorkspacesInAccount();
  for (const std::string& name :
       {std::string(R"(Prod\u2028Fake: admin)"), std::string(R"(Prod\u2029)"),
        std::string(R"(Prod \u200f)"), std::string(R"(\ufeffProd)"),
        std::string(R"(Prod\udb40\udc41\udb40\udc42)")}) {
    auto patch = Send("PATCH", "/v1/workspaces/" + ws_, R"({"name":")" + name + R"("})");
    ExpectProblem(patch, 422);
    EXPECT_NE(patch.body.find("\"name\""), std::string::npos) << patch.body;
    auto create = Send(
        "POST", "/v1/workspaces",
        R"({"account_id":")" + account_ + R"(","name":")" + name + R"(","region":"us-east-1"})");
    EXPECT_TRUE(create.status == 400 || create.status == 422) << create.body;
  }
  EXPECT_EQ(WorkspaceBody(), before);
  EXPECT_EQ(WorkspacesInAccount(), count);
  auto zwj = Send("POST", "/v1/workspaces",
                  R"({"account_id":")" + account_ +
                      R"(","name":"Team \ud83d\udc69\u200d\ud83d\udcbb","region":"us-east-1"})");
  EXPECT_EQ(zwj.status, 202) << zwj.body;
}

TEST_F(HostileInput, AnExportWithTwoFormatsIs400AndIsNotAudited) {
  HttpClient c(server_->port());
  const std::string token = server_->Token("admin");
  const std::string audit = "/v1/workspaces/" + ws_ + "/audit?limit=1000";
  const std::size_t events = Json(c.Get(audit, token).body).as_array().size();
  for (const char* query : {"?format=json&format=csv", "?format=csv&format=csv"}) {
    auto r = c.Get("/v1/workspaces/" + ws_ + "/export" + query, token);
    ExpectProblem(r, 400);
    EXPECT_NE(r.body.find("repeated"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Json(c.Get(audit, token).body).as_array().size(), events);
}

// A member added or removed between two pages neither repeats another
// member nor hides one (the cursor held an offset: an add before it
// repeated a member and a removal skipped one). Subjects of 1024 bytes page
// too.
TEST_F(HostileInput, AMemberListWalkedWhileMembersChangeShowsEachRemainingMemberOnce) {
  Seeder seed(server_->data_dir());
  const std::string ws = seed.Workspace(account_, "Changing");
  std::vector<std::string> subjects;
  for (const char* s : {"bob", "carol", "dave", "erin", "frank"}) {
    subjects.emplace_back(s);
    seed.Member(ws, s, model::WorkspaceRole::kViewer);
  }
  const std::string longest = "zed-" + std::string(1020, 'z');
  seed.Member(ws, longest, model::WorkspaceRole::kViewer);
  HttpClient c(server_->port());
  const std::string token = server_->Token("admin");
  const auto call = [&](const std::string& method, const std::string& path,
                        const std::string& body = "") {
    return c.Send(method, path,
                  {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                  body);
  };
  const auto walk = [&](const std::function<void(int page)>& between) {
    std::vector<std::string> seen;
    std::string next = "/v1/workspaces/" + ws + "/members?limit=2";
    for (int page = 0; !next.empty(); ++page) {
      auto r = c.Get(next, token);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200 || page > 10) break;
      const boost::json::value list = Json(r.body);  // outlives the loop
      for (const auto& m : list.as_array())
        seen.emplace_back(m.as_object().at("subject").as_string());
      const std::string link = r.Header("Link");
      next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
      between(page);
    }
    return seen;
  };
  // An add before the cursor's place (an offset repeated a member), then a
  // removal before it (an offset skipped one).
  const std::vector<std::string> seen = walk([&](int page) {
    if (page == 0) {
      EXPECT_EQ(
          call("PUT", "/v1/workspaces/" + ws + "/members/aaron", R"({"role":"viewer"})").status,
          201);
    }
    if (page == 1) {
      EXPECT_EQ(call("DELETE", "/v1/workspaces/" + ws + "/members/bob").status, 204);
    }
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"bob", "carol", "dave", "erin", "frank", longest}));
  // The account's list: an add before the cursor repeats no one.
  const auto account_walk = [&] {
    std::vector<std::string> out;
    std::string next = "/v1/accounts/" + account_ + "/members?limit=1";
    for (int page = 0; !next.empty() && page < 20; ++page) {
      auto r = c.Get(next, token);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const boost::json::value list = Json(r.body);  // outlives the loop
      for (const auto& m : list.as_array())
        out.emplace_back(m.as_object().at("subject").as_string());
      const std::string link = r.Header("Link");
      next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
      if (page == 0) {
        EXPECT_EQ(
            call("PUT", "/v1/accounts/" + account_ + "/members/aaa", R"({"role":"member"})").status,
            201);
      }
    }
    return out;
  };
  std::vector<std::string> members = account_walk();
  std::vector<std::string> unique = members;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  EXPECT_EQ(unique.size(), members.size()) << "a member was listed twice";
}

TEST_F(HostileInput, AMemberListIsPagedHoweverManyMembersAWorkspaceHas) {
  // A workspace admin can add members without bound (no quota by default):
  // a list answered whole would grow with them. Paged like every list.
  Seeder seed(server_->data_dir());
  const std::string ws = seed.Workspace(account_, "Crowded");
  std::vector<std::string> subjects;
  for (int i = 0; i < 250; ++i) {
    subjects.push_back("user-" + std::to_string(1000 + i) + "-" + std::string(200, 'x'));
    seed.Member(ws, subjects.back(), model::WorkspaceRole::kViewer);
  }
  HttpClient c(server_->port());
  const std::string token = server_->Token("admin");
  std::vector<std::string> seen;
  std::string next = "/v1/workspaces/" + ws + "/members";
  int pages = 0;
  while (!next.empty()) {
    auto r = c.Get(next, token);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto items = Json(r.body).as_array();
    EXPECT_LE(items.size(), 100u);
    for (const auto& m : items) seen.emplace_back(m.as_object().at("subject").as_string());
    const std::string link = r.Header("Link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
    ASSERT_LT(++pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, subjects);  // every member once, in subject order
  // The cursor is this list's only.
  auto first = c.Get("/v1/workspaces/" + ws + "/members?limit=2", token);
  const std::string link = first.Header("Link");
  const std::string cursor =
      link.substr(link.find("cursor=") + 7, link.find('>') - link.find("cursor=") - 7);
  ExpectProblem(c.Get("/v1/workspaces/" + ws_ + "/members?cursor=" + cursor, token), 400);
  ExpectProblem(c.Get("/v1/accounts/" + account_ + "/members?cursor=" + cursor, token), 400);
  ExpectProblem(c.Get("/v1/workspaces/" + ws + "/members?limit=1001", token), 400);
  EXPECT_EQ(
      Json(c.Get("/v1/accounts/" + account_ + "/members?limit=1", token).body).as_array().size(),
      1u);
}

}  // namespace
}  // namespace workspaced::testing
