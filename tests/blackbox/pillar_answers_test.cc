// What the secrets and vault endpoints answer where an outside audit found
// them wrong (on SQLite, and as Postgres.* on PostgreSQL): concurrent first
// writes of one secret, an empty environment, a misspelt value; masks cut
// by characters, not bytes; the vault list's last page.
#include <openssl/sha.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "blackbox/provisioning_support.h"
#include "support/database.h"

namespace workspaced::testing {
namespace {

class PillarAnswers : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerProcess::Options o;
    o.config_json = FastSagaConfig();
    server_ = ServerProcess::Start(o);
    c_ = std::make_unique<HttpClient>(server_->port());
    Seeder seed(server_->data_dir());
    const std::string account = seed.Account("Acme", "alice");
    const HttpResponse r =
        PostWorkspace(*c_, server_->Token("alice"), CreateBody(account, "Pillars"));
    ASSERT_EQ(r.status, 202) << r.body;
    const auto o2 = Json(r.body).as_object();
    ws_ = std::string(o2.at("workspace_id").as_string());
    ASSERT_EQ(
        WaitRun(*c_, server_->Token("alice"), std::string(o2.at("provisioning_run_id").as_string()))
            .at("state")
            .as_string(),
        "succeeded");
  }
  HttpResponse Call(HttpClient& c, const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return CallAs(c, *server_, method, "/v1/workspaces/" + ws_ + path, "alice", body);
  }
  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return Call(*c_, method, path, body);
  }
  // The field names of a 422's errors[], in order.
  static std::vector<std::string> ErrorFields(const HttpResponse& r) {
    std::vector<std::string> out;
    const boost::json::value body = Json(r.body);  // outlives the loop
    for (const auto& e : body.as_object().at("errors").as_array())
      out.emplace_back(e.as_object().at("field").as_string());
    return out;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string ws_;
};

// Each writer learns the version it wrote; exactly one learns it created
// the secret (201), whatever the others committed meanwhile.
TEST_F(PillarAnswers, ConcurrentFirstWritesOfASecretAnswerOne201AndEachItsOwnVersion) {
  constexpr int kWriters = 12;
  std::vector<int> statuses(kWriters);
  std::vector<long long> versions(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c(server_->port());
      const HttpResponse r =
          Call(c, "PUT", "/secrets/RACE", R"({"value":"v)" + std::to_string(i) + R"("})");
      statuses[i] = r.status;
      if (r.status == 200 || r.status == 201)
        versions[i] = Json(r.body).as_object().at("latest_version").as_int64();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kWriters - 1);
  const std::set<long long> distinct(versions.begin(), versions.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kWriters))
      << "two writers learnt one version";
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kWriters);
  // The 201 went to the writer of version 1.
  for (int i = 0; i < kWriters; ++i)
    if (statuses[i] == 201) EXPECT_EQ(versions[i], 1);
}

// A body that is JSON but not an object is 422 naming the body, as for
// every /v1 write (PATCH of a workspace, quotas); not JSON at all is 400.
TEST_F(PillarAnswers, ABodyThatIsNotAnObjectIs422OnEveryPillarEndpoint) {
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"PUT", "/secrets/T1"},
                                                        {"POST", "/secrets/T1/reveal"},
                                                        {"POST", "/vault/records"},
                                                        {"POST", "/vault/detokenize"}}) {
    const HttpResponse r = Call(method, path, "[]");
    ExpectProblem(r, 422);
    EXPECT_EQ(ErrorFields(r), std::vector<std::string>{""}) << method << " " << path;
    ExpectProblem(Call(method, path, "{"), 400);
  }
  EXPECT_EQ(Call("GET", "/secrets/T1").status, 404);
}

TEST_F(PillarAnswers, AnEmptyEnvironmentOrAMisspeltValueIs422AndWritesNothing) {
  HttpResponse r = Call("PUT", "/secrets/T1", R"({"value":"a","environment":""})");
  ExpectProblem(r, 422);
  EXPECT_EQ(ErrorFields(r), std::vector<std::string>{"environment"});
  r = Call("PUT", "/secrets/T1", R"({"Value":"a"})");
  ExpectProblem(r, 422);
  EXPECT_EQ(ErrorFields(r), (std::vector<std::string>{"Value", "value"}));
  EXPECT_NE(r.body.find("is required"), std::string::npos) << r.body;
  EXPECT_EQ(Call("GET", "/secrets/T1").status, 404);
  // null means none.
  EXPECT_EQ(Call("PUT", "/secrets/T1", R"({"value":"a","environment":null})").status, 201);
}

TEST_F(PillarAnswers, VaultMasksCountCharactersNotBytes) {
  const HttpResponse r = Call("POST", "/vault/records", R"({"fields":{
      "short":{"type":"text","value":"aa\u00e9\u20ac","mask":"last4"},
      "long":{"type":"text","value":"xxxxxaa\u00e9\u20acb","mask":"last4"},
      "mail":{"type":"email","value":"\u00fcxy@ex\u00e4mple.com"}}})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = std::string(Json(r.body).as_object().at("id").as_string());
  const HttpResponse got = Call("GET", "/vault/records/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  std::map<std::string, std::string> masks;
  const boost::json::value body = Json(got.body);  // outlives the loop
  for (const auto& [name, f] : body.as_object().at("fields").as_object())
    masks[std::string(name)] = std::string(f.as_object().at("mask").as_string());
  EXPECT_EQ(masks["short"], "*****");  // under nine characters: none shown
  EXPECT_EQ(masks["long"],
            "*****a\xc3\xa9\xe2\x82\xac"
            "b");
  EXPECT_EQ(masks["mail"], "\xc3\xbc***@ex\xc3\xa4mple.com");
  EXPECT_EQ(got.body.find("\\ufffd"), std::string::npos) << got.body;
}

// Bad field names are one entry, `fields`, however many: the names
// themselves are not echoed.
TEST_F(PillarAnswers, BadVaultFieldNamesAreOneEntryThatEchoesNoName) {
  const HttpResponse r =
      Call("POST", "/vault/records", R"({"fields":{"1bad":"x","2bad":"y","-bad":"z","good":"w"}})");
  ExpectProblem(r, 422);
  EXPECT_EQ(ErrorFields(r), std::vector<std::string>{"fields"});
  EXPECT_EQ(r.body.find("1bad"), std::string::npos) << r.body;
}

TEST_F(PillarAnswers, TheVaultListsLastPageAnnouncesNoNextPage) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(
        Call("POST", "/vault/records", R"({"fields":{"n":{"type":"text","value":"x"}}})").status,
        201);
  const HttpResponse full = Call("GET", "/vault/records?limit=3");
  ASSERT_EQ(full.status, 200) << full.body;
  EXPECT_EQ(Json(full.body).as_object().at("records").as_array().size(), 3u);
  EXPECT_TRUE(Json(full.body).as_object().at("next").is_null()) << full.body;
  EXPECT_EQ(full.Header("Link"), "");
  const HttpResponse two = Call("GET", "/vault/records?limit=2");
  ASSERT_EQ(two.status, 200);
  const auto page = Json(two.body).as_object();
  ASSERT_TRUE(page.at("next").is_string()) << two.body;
  const HttpResponse rest =
      Call("GET", "/vault/records?limit=2&after=" + std::string(page.at("next").as_string()));
  ASSERT_EQ(rest.status, 200);
  EXPECT_EQ(Json(rest.body).as_object().at("records").as_array().size(), 1u);
  EXPECT_TRUE(Json(rest.body).as_object().at("next").is_null());
}

// A retried vault create with its Idempotency-Key answers the record it
// made (written differently, the same request); another body under the key
// is a 422; and what the control plane keeps to compare is not a plain hash
// of the values, which a guess of the card number would reproduce.
TEST_F(PillarAnswers, AVaultCreateRetriedWithItsIdempotencyKeyMakesOneRecord) {
  const std::vector<std::pair<std::string, std::string>> key{{"Idempotency-Key", "vault-retry-1"}};
  const HttpResponse first =
      CallAs(*c_, *server_, "POST", "/v1/workspaces/" + ws_ + "/vault/records", "alice",
             R"({"fields":{"card":"4111111111111111","email":"a@b.example"}})", key);
  ASSERT_EQ(first.status, 201) << first.body;
  const HttpResponse again =
      CallAs(*c_, *server_, "POST", "/v1/workspaces/" + ws_ + "/vault/records", "alice",
             R"({ "fields": { "email": "a@b.example", "card": "4111111111111111" } })", key);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Location"), first.Header("Location"));
  const HttpResponse other =
      CallAs(*c_, *server_, "POST", "/v1/workspaces/" + ws_ + "/vault/records", "alice",
             R"({"fields":{"card":"4111111111111112"}})", key);
  ExpectProblem(other, 422);
  const boost::json::value list = Json(Call("GET", "/vault/records").body);
  EXPECT_EQ(list.as_object().at("records").as_array().size(), 1u);
  // Neither a value nor the plain SHA-256 of the request sits in the control plane.
  const std::string kept =
      QueryText(server_->data_dir(),
                "SELECT request_hash || body FROM idempotency_keys WHERE key = 'vault-retry-1'");
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.find("4111111111111111"), std::string::npos);
  EXPECT_EQ(kept.find("a@b.example"), std::string::npos);
  const std::string message =
      "POST\n/v1/workspaces/" + ws_ +
      "/vault/records\n{\"fields\":{\"card\":\"4111111111111111\",\"email\":\"a@b.example\"}}";
  unsigned char digest[32];
  SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest);
  std::string plain;
  for (const unsigned char b : digest) {
    static constexpr char kHex[] = "0123456789abcdef";
    plain.push_back(kHex[b >> 4]);
    plain.push_back(kHex[b & 15]);
  }
  EXPECT_EQ(kept.find(plain), std::string::npos);
}

// A workspace whose provisioning failed never held pillar data: each read
// of one item answers as the list does (nothing there: 404, found false),
// not a 409 about its dataplane; a write is 409 saying provisioning failed.
TEST(PillarAnswersOfAFailedWorkspace, EveryReadAnswersAsItsListAndWritesSayWhy) {
  ServerProcess::Options o;
  o.config_json = FastSagaConfig();
  o.env["WORKSPACED_FAILPOINTS"] = "activate=fatal";
  auto server = ServerProcess::Start(o);
  HttpClient c(server->port());
  Seeder seed(server->data_dir());
  const std::string account = seed.Account("Acme", "alice");
  const HttpResponse r = PostWorkspace(c, server->Token("alice"), CreateBody(account, "Failed"));
  ASSERT_EQ(r.status, 202) << r.body;
  const auto accepted = Json(r.body).as_object();
  const std::string ws(accepted.at("workspace_id").as_string());
  ASSERT_EQ(WaitRun(c, server->Token("alice"),
                    std::string(accepted.at("provisioning_run_id").as_string()))
                .at("state")
                .as_string(),
            "failed");
  const auto call = [&](const std::string& method, const std::string& path,
                        const std::string& body = "") {
    return CallAs(c, *server, method, "/v1/workspaces/" + ws + path, "alice", body);
  };
  EXPECT_EQ(call("GET", "/secrets").body, "[]");
  ExpectProblem(call("GET", "/secrets/S"), 404);
  ExpectProblem(call("POST", "/secrets/S/reveal"), 404);
  EXPECT_EQ(call("GET", "/vault/records").status, 200);
  ExpectProblem(call("GET", "/vault/records/0190c3f4-8a1b-7c2d-9e3f-4a5b6c7d8e9f"), 404);
  const HttpResponse d =
      call("POST", "/vault/detokenize", R"({"tokens":["vtr_AAAAAAAAAAAAAAAAAAAAAA"]})");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_FALSE(Json(d.body).as_object().at("results").as_array()[0].at("found").as_bool());
  const HttpResponse put = call("PUT", "/secrets/S", R"({"value":"v"})");
  ExpectProblem(put, 409);
  EXPECT_NE(put.body.find("provisioning failed"), std::string::npos) << put.body;
}

}  // namespace
}  // namespace workspaced::testing
