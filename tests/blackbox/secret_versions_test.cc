// How many versions of a secret are kept (docs/secrets.md, Versions): the
// newest `secrets.max_versions`; a write beyond it destroys the oldest in
// the transaction that commits it, so a loop of PUTs of one name holds its
// disk use and its metadata's size. On SQLite and PostgreSQL (Postgres.*),
// each with the workspace's dataplane in the embedded cell and in a
// PostgreSQL cell.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

constexpr int kKept = 3;

// The parameter: the workspace's region has a PostgreSQL cell or none.
class SecretVersions : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    std::string cell;
    if (GetParam()) {
      auto conninfo = store::testing::FreshPostgresSchema();
      if (!conninfo.ok())
        GTEST_SKIP() << "no PostgreSQL for the cell: " << conninfo.status().message();
      cell = R"(,"cells":{"us-east-1":")" + *conninfo + R"("})";
    }
    ServerProcess::Options o;
    o.config_json =
        FastSagaConfig(1000, R"(,"secrets":{"max_versions":)" + std::to_string(kKept) + "}" + cell);
    server_ = ServerProcess::Start(o);
    c_ = std::make_unique<HttpClient>(server_->port());
    Seeder seed(server_->data_dir());
    const std::string account = seed.Account("Acme", "alice");
    const HttpResponse r = PostWorkspace(*c_, server_->Token("alice"), CreateBody(account, "Keep"));
    ASSERT_EQ(r.status, 202) << r.body;
    const auto o2 = Json(r.body).as_object();
    ws_ = std::string(o2.at("workspace_id").as_string());
    ASSERT_EQ(WaitRun(*c_, server_->Token("alice"),
                      std::string(o2.at("provisioning_run_id").as_string()))
                  .at("state")
                  .as_string(),
              "succeeded");
  }
  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return CallAs(*c_, *server_, method, "/v1/workspaces/" + ws_ + path, "alice", body);
  }
  // The version numbers a secret's metadata (or a PUT's answer) lists.
  static std::vector<long long> Versions(const HttpResponse& r) {
    std::vector<long long> out;
    const boost::json::value body = Json(r.body);  // outlives the loop
    for (const auto& v : body.as_object().at("versions").as_array())
      out.push_back(v.as_object().at("version").as_int64());
    return out;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string ws_;
};

INSTANTIATE_TEST_SUITE_P(Cells, SecretVersions, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "PostgresCell" : "Embedded"; });

TEST_P(SecretVersions, AWriteBeyondTheBoundDestroysTheOldestVersions) {
  for (int i = 1; i <= 5; ++i) {
    const HttpResponse r = Call("PUT", "/secrets/API_KEY", R"({"value":"v)" + std::to_string(i) + R"("})");
    ASSERT_EQ(r.status, i == 1 ? 201 : 200) << r.body;
    const std::vector<long long> listed = Versions(r);
    ASSERT_FALSE(listed.empty());
    EXPECT_EQ(listed.back(), i);
    EXPECT_LE(listed.size(), static_cast<std::size_t>(kKept)) << r.body;
  }
  HttpResponse r = Call("GET", "/secrets/API_KEY");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Versions(r), (std::vector<long long>{3, 4, 5}));
  // The destroyed versions do not open; the kept ones do.
  ExpectProblem(Call("POST", "/secrets/API_KEY/reveal", R"({"version":2})"), 404);
  r = Call("POST", "/secrets/API_KEY/reveal", R"({"version":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("value").as_string(), "v3");
  r = Call("POST", "/secrets/API_KEY/reveal", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("value").as_string(), "v5");
  // Numbering goes on; after a delete the next write creates the secret.
  ASSERT_EQ(Call("PUT", "/secrets/API_KEY", R"({"value":"v6"})").status, 200);
  ASSERT_EQ(Call("DELETE", "/secrets/API_KEY").status, 204);
  r = Call("PUT", "/secrets/API_KEY", R"({"value":"v8"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Versions(r), (std::vector<long long>{8}));
}

// Another name's versions are not touched by a write beyond the bound.
TEST_P(SecretVersions, TheBoundIsPerName) {
  for (int i = 1; i <= 2; ++i)
    ASSERT_EQ(Call("PUT", "/secrets/OTHER", R"({"value":"o"})").status, i == 1 ? 201 : 200);
  for (int i = 1; i <= kKept + 2; ++i)
    ASSERT_EQ(Call("PUT", "/secrets/BUSY", R"({"value":"b"})").status, i == 1 ? 201 : 200);
  EXPECT_EQ(Versions(Call("GET", "/secrets/OTHER")), (std::vector<long long>{1, 2}));
  EXPECT_EQ(Versions(Call("GET", "/secrets/BUSY")).size(), static_cast<std::size_t>(kKept));
}

// Concurrent writers of one name, each destroying the oldest versions as it
// commits: none fails (on a PostgreSQL cell two commits' deletes deadlocked,
// and the writer saw a 503), and the bound holds after them.
TEST_P(SecretVersions, ConcurrentWritersOfOneNameAllSucceedAndTheBoundHolds) {
  constexpr int kWriters = 8, kEach = 4;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&] {
      HttpClient c(server_->port());
      for (int i = 0; i < kEach; ++i) {
        const HttpResponse r = CallAs(c, *server_, "PUT", "/v1/workspaces/" + ws_ + "/secrets/HOT",
                                      "alice", R"({"value":"v"})");
        if (r.status != 200 && r.status != 201) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  const std::vector<long long> kept = Versions(Call("GET", "/secrets/HOT"));
  EXPECT_EQ(kept.size(), static_cast<std::size_t>(kKept));
  ASSERT_FALSE(kept.empty());
  EXPECT_EQ(kept.back(), kWriters * kEach);
}

}  // namespace
}  // namespace workspaced::testing
