// The secrets pillar end to end (docs/secrets.md, docs/pillars.md): versions,
// metadata without values, reveal by its own permission and audited, delete,
// 423 while frozen with nothing changed, precise 422s, no value anywhere but
// a reveal's answer, crashes at each point of the pillar protocol, and key
// rotation under a running server; the secrets quota under concurrent
// writers; a reveal's audit event durable before its answer (group commit,
// crashed and killed). Runs on SQLite and on PostgreSQL, each with the
// workspace's dataplane in the embedded cell and in a PostgreSQL cell.
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "blackbox/provisioning_support.h"
#include "store/testing/postgres_server.h"

namespace workspaced::testing {
namespace {

constexpr char kValue[] = "s3cr3t-VALUE-4f1e9a-never-shown";
constexpr char kValue2[] = "s3cr3t-VALUE-77b2c0-second";

// The parameter: the workspace's region has a PostgreSQL cell (its
// dataplane is a schema there) or none (the embedded SQLite dataplane).
class Secrets : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!GetParam()) return;
    auto conninfo = store::testing::FreshPostgresSchema();
    if (!conninfo.ok())
      GTEST_SKIP() << "no PostgreSQL for the cell: " << conninfo.status().message();
    cell_ = *conninfo;
  }
  // The configuration of every start (a restart keeps the same cell).
  std::string Config(const std::string& extra = "") const {
    return cell_.empty() ? FastSagaConfig(1000, extra)
                         : FastSagaConfig(1000, extra + R"(,"cells":{"us-east-1":")" + cell_ + R"("})");
  }
  void StartOn(ServerProcess::Options o = {}) {
    if (o.config_json.empty()) o.config_json = Config();
    server_ = ServerProcess::Start(o);
    c_ = std::make_unique<HttpClient>(server_->port());
    if (account_.empty()) {
      Seeder seed(server_->data_dir());
      account_ = seed.Account("Acme", "alice");
    }
  }
  void CreateWorkspace() {
    const HttpResponse r = PostWorkspace(*c_, server_->Token("alice"), CreateBody(account_, "Vault"));
    ASSERT_EQ(r.status, 202) << r.body;
    const auto o = Json(r.body).as_object();
    ws_ = std::string(o.at("workspace_id").as_string());
    ASSERT_EQ(WaitRun(*c_, server_->Token("alice"), std::string(o.at("provisioning_run_id").as_string()))
                  .at("state")
                  .as_string(),
              "succeeded");
    Seeder seed(server_->data_dir());
    seed.Member(ws_, "mia", model::WorkspaceRole::kMember);
    seed.Member(ws_, "vic", model::WorkspaceRole::kViewer);
  }
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "") {
    return CallAs(*c_, *server_, method, "/v1/workspaces/" + ws_ + path, who, body);
  }
  HttpResponse Put(const std::string& name, const std::string& body, const std::string& who = "alice") {
    return Call("PUT", "/secrets/" + name, who, body);
  }
  long long Events(const std::string& action) {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "'");
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string account_, ws_;
  std::string cell_;  // the PostgreSQL cell's connection string, or none
};

INSTANTIATE_TEST_SUITE_P(Cells, Secrets, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "PostgresCell" : "EmbeddedCell";
                         });

std::string ValueBody(const std::string& value, const std::string& extra = "") {
  return R"({"value":")" + value + "\"" + extra + "}";
}

TEST_P(Secrets, VersionsMetadataRevealAndDelete) {
  StartOn();
  CreateWorkspace();
  HttpResponse r = Put("DB_PASSWORD", ValueBody(kValue, R"(,"environment":"prod","description":"db")"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.body.find(kValue), std::string::npos);
  r = Put("DB_PASSWORD", ValueBody(kValue2));
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = Json(r.body).as_object();
  EXPECT_EQ(o.at("latest_version").as_int64(), 2);
  ASSERT_EQ(o.at("versions").as_array().size(), 2u);
  EXPECT_EQ(o.at("versions").as_array()[0].at("environment").as_string(), "prod");
  EXPECT_EQ(o.at("versions").as_array()[0].at("created_by").as_string(), "alice");

  r = Call("GET", "/secrets", "vic");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_array().size(), 1u);
  EXPECT_EQ(r.body.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(Call("GET", "/secrets/DB_PASSWORD", "vic").status, 200);

  r = Call("POST", "/secrets/DB_PASSWORD/reveal", "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  o = Json(r.body).as_object();
  EXPECT_EQ(o.at("name").as_string(), "DB_PASSWORD");
  EXPECT_EQ(o.at("version").as_int64(), 2);
  EXPECT_EQ(o.at("value").as_string(), kValue2);
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  r = Call("POST", "/secrets/DB_PASSWORD/reveal", "alice", R"({"version":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("value").as_string(), kValue);
  ExpectProblem(Call("POST", "/secrets/DB_PASSWORD/reveal", "alice", R"({"version":9})"), 404);
  EXPECT_EQ(Events("secret.put"), 2);
  EXPECT_EQ(Events("secret.reveal"), 2);

  r = Call("DELETE", "/secrets/DB_PASSWORD", "alice");
  EXPECT_EQ(r.status, 204) << r.body;
  ExpectProblem(Call("GET", "/secrets/DB_PASSWORD", "alice"), 404);
  ExpectProblem(Call("POST", "/secrets/DB_PASSWORD/reveal", "alice"), 404);
  ExpectProblem(Call("DELETE", "/secrets/DB_PASSWORD", "alice"), 404);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, "[]");
  EXPECT_EQ(Events("secret.delete"), 1);
}

// A PUT after a DELETE goes on from the deleted versions (the delete's row
// is the name's high-water mark): a cached "version 1" never names another
// value. The deleted name is in no list, and deleting again works.
TEST_P(Secrets, TheNumberingGoesOnAfterADelete) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("ROTATED", ValueBody(kValue)).status, 201);
  ASSERT_EQ(Put("ROTATED", ValueBody(kValue)).status, 200);
  ASSERT_EQ(Call("DELETE", "/secrets/ROTATED", "alice").status, 204);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, "[]");
  HttpResponse r = Put("ROTATED", ValueBody(kValue2));
  ASSERT_EQ(r.status, 201) << r.body;  // a new secret, numbered on
  auto o = Json(r.body).as_object();
  EXPECT_EQ(o.at("latest_version").as_int64(), 4);
  EXPECT_EQ(o.at("versions").as_array().size(), 1u);
  ExpectProblem(Call("POST", "/secrets/ROTATED/reveal", "alice", R"({"version":1})"), 404);
  r = Call("POST", "/secrets/ROTATED/reveal", "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("value").as_string(), kValue2);
  ASSERT_EQ(Call("DELETE", "/secrets/ROTATED", "alice").status, 204);
  ExpectProblem(Call("GET", "/secrets/ROTATED", "alice"), 404);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, "[]");
  EXPECT_EQ(
      Json(Put("ROTATED", ValueBody(kValue)).body).as_object().at("latest_version").as_int64(), 6);
  EXPECT_EQ(Json(Call("GET", "/secrets", "alice").body).as_array().size(), 1u);
}

TEST_P(Secrets, RevealNeedsItsOwnPermissionWhichMembersLack) {
  StartOn();
  CreateWorkspace();
  EXPECT_EQ(Put("API_KEY", ValueBody(kValue), "mia").status, 201);
  ExpectProblem(Call("POST", "/secrets/API_KEY/reveal", "mia"), 403);
  ExpectProblem(Call("POST", "/secrets/API_KEY/reveal", "vic"), 403);
  ExpectProblem(Put("API_KEY", ValueBody(kValue2), "vic"), 403);
  ExpectProblem(Call("DELETE", "/secrets/API_KEY", "vic"), 403);
  ExpectProblem(Call("GET", "/secrets", "stranger"), 404);
  ExpectProblem(Call("POST", "/secrets/API_KEY/reveal", "stranger"), 404);
  EXPECT_EQ(Call("POST", "/secrets/API_KEY/reveal", "alice").status, 200);
  EXPECT_EQ(Events("secret.reveal"), 1);
}

TEST_P(Secrets, AFrozenWorkspaceRefusesChangesWithNothingChanged) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("TOKEN", ValueBody(kValue)).status, 201);
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"audit"})").status, 200);
  const std::string before = Call("GET", "/secrets", "alice").body;
  ExpectProblem(Put("TOKEN", ValueBody(kValue2)), 423);
  ExpectProblem(Put("OTHER", ValueBody(kValue2)), 423);
  ExpectProblem(Call("DELETE", "/secrets/TOKEN", "alice"), 423);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, before);
  EXPECT_EQ(Call("POST", "/secrets/TOKEN/reveal", "alice").status, 200);  // a read
  EXPECT_EQ(Events("secret.put"), 1);
  EXPECT_EQ(Events("secret.delete"), 0);
}

TEST_P(Secrets, InvalidRequestsAnswerPreciseProblemsAndChangeNothing) {
  StartOn();
  CreateWorkspace();
  const auto fields = [](const HttpResponse& r) {
    std::string out;
    const boost::json::value v = Json(r.body);
    const boost::json::object* o = v.if_object();
    if (o == nullptr || !o->contains("errors")) return "(no errors) " + r.body.substr(0, 200);
    for (const auto& e : o->at("errors").as_array())
      out += std::string(e.at("field").as_string()) + " ";
    return out;
  };
  HttpResponse r = Put("9starts-with-digit", ValueBody("x"));
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "name ");
  r = Put("OK", ValueBody(std::string(64 * 1024 + 1, 'a')));
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "value ");
  r = Put("OK", ValueBody("x", R"(,"environment":"qa","description":")" + std::string(1025, 'd') + "\""));
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "environment description ");
  r = Put("OK", R"({"value":"x","colour":"red"})");
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "colour ");
  ExpectProblem(Put("OK", R"({"value":1})"), 422);
  ExpectProblem(Put("OK", R"({})"), 422);
  ExpectProblem(Put("OK", "not json"), 400);
  ExpectProblem(Put(std::string(129, 'n'), ValueBody("x")), 422);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, "[]");
  EXPECT_EQ(Events("secret.put"), 0);
}

// Every secrets endpoint refuses query parameters it does not take (a
// typo is never ignored), and the list is paged like every list: by name,
// the next page in the Link header, whose cursor holds a name of up to 128
// bytes.
TEST_P(Secrets, QueryParametersAreRefusedAndTheListIsPagedByName) {
  StartOn();
  CreateWorkspace();
  const std::string longest = "L" + std::string(127, 'n');
  for (const std::string& name : std::vector<std::string>{"B", "A", "C", longest, "D"})
    ASSERT_EQ(Put(name, ValueBody(kValue)).status, 201) << name;
  ASSERT_EQ(Put("A", ValueBody(kValue2)).status, 200);
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/secrets/A/reveal?version=1"},
                                                        {"GET", "/secrets/A?x=1"},
                                                        {"PUT", "/secrets/A?environment=prod"},
                                                        {"DELETE", "/secrets/A?force=true"}}) {
    const HttpResponse r =
        Call(method, path, "alice", method == "PUT" ? ValueBody(kValue2) : std::string());
    ExpectProblem(r, 400);
    EXPECT_NE(r.body.find("this endpoint takes no query parameters"), std::string::npos)
        << method << " " << path << ": " << r.body;
  }
  ExpectProblem(Call("GET", "/secrets?limit=0", "alice"), 400);
  ExpectProblem(Call("GET", "/secrets?limit=1001", "alice"), 400);
  ExpectProblem(Call("GET", "/secrets?colour=red", "alice"), 400);
  ExpectProblem(Call("GET", "/secrets?cursor=forged", "alice"), 400);
  EXPECT_EQ(Events("secret.put"), 6);  // the refused PUT wrote nothing
  EXPECT_EQ(Events("secret.reveal"), 0);
  EXPECT_EQ(Events("secret.delete"), 0);

  std::vector<std::string> names;
  std::string next = "/v1/workspaces/" + ws_ + "/secrets?limit=2";
  int pages = 0;
  while (!next.empty()) {
    const HttpResponse r = CallAs(*c_, *server_, "GET", next, "vic");
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    const boost::json::value doc = Json(r.body);
    for (const auto& s : doc.as_array()) {
      names.emplace_back(s.at("name").as_string());
      if (names.back() == "A") {
        EXPECT_EQ(s.at("versions").as_array().size(), 2u);
      }
    }
    const std::string link = r.Header("Link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
    if (!next.empty()) {
      EXPECT_NE(link.find(R"(; rel="next")"), std::string::npos) << link;
      EXPECT_LE(next.size() - next.find("cursor=") - 7, 208u);  // the cursor's bound
    }
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"A", "B", "C", "D", longest}));
  EXPECT_EQ(Json(Call("GET", "/secrets", "alice").body).as_array().size(), 5u);  // default 100
  // A repeated parameter is refused too.
  const std::string link = Call("GET", "/secrets?limit=1", "alice").Header("Link");
  ASSERT_FALSE(link.empty());
  const std::string query = link.substr(link.find('?'), link.find('>') - link.find('?'));
  ExpectProblem(Call("GET", "/secrets" + query + "&limit=1", "alice"), 400);
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_P(Secrets, AValueAppearsNowhereButInItsRevealsAnswer) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("LEAK_TEST", ValueBody(kValue, R"(,"description":"x")")).status, 201);
  ASSERT_EQ(Call("POST", "/secrets/LEAK_TEST/reveal", "alice").status, 200);
  ExpectProblem(Call("POST", "/secrets/LEAK_TEST/reveal", "mia"), 403);
  ExpectProblem(Put("LEAK_TEST", ValueBody(kValue, R"(,"environment":"nope")")), 422);
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"x"})").status, 200);
  ExpectProblem(Put("LEAK_TEST", ValueBody(kValue)), 423);
  std::vector<std::pair<std::string, std::string>> seen = {
      {"audit", Call("GET", "/audit?limit=200", "alice").body},
      {"export json", Call("GET", "/export", "alice").body},
      {"export ndjson", Call("GET", "/export?format=ndjson", "alice").body},
      {"export csv", Call("GET", "/export?format=csv", "alice").body},
      {"metrics", c_->Get("/metrics").body},
      {"secrets", Call("GET", "/secrets", "alice").body},
  };
  EXPECT_EQ(server_->Stop(), 0);
  seen.emplace_back("log", server_->Output());
  // Every file of the data directory: the control-plane database (on SQLite),
  // its WAL, the dataplane files, the key files.
  for (const auto& e : std::filesystem::recursive_directory_iterator(server_->data_dir()))
    if (e.is_regular_file()) seen.emplace_back(e.path().string(), ReadAll(e.path()));
  for (const auto& [where, text] : seen)
    EXPECT_EQ(text.find("s3cr3t-VALUE"), std::string::npos) << "the value is in " << where;
  EXPECT_NE(seen.back().second.size(), 0u);
}

// The export has a `secrets` section: every committed version's metadata,
// a page of versions per chunk (more than one page here), in name then
// version order, in each format; never a value.
TEST_P(Secrets, TheExportListsEveryCommittedVersionsMetadataAcrossChunksInEveryFormat) {
  ServerProcess::Options o;
  o.config_json = Config(R"(,"secrets":{"max_versions":1000})");  // every version kept
  StartOn(o);
  CreateWorkspace();
  constexpr int kVersions = 105;  // more than a page of the export's 100
  ASSERT_EQ(Put("A_FIRST", ValueBody(kValue2, R"(,"environment":"prod","description":"d, \"q\"")"))
                .status,
            201);
  for (int i = 0; i < kVersions; ++i)
    ASSERT_EQ(Put("DB_PASSWORD", ValueBody(kValue)).status, i == 0 ? 201 : 200);
  ASSERT_EQ(Put("GONE", ValueBody(kValue)).status, 201);
  ASSERT_EQ(Call("DELETE", "/secrets/GONE", "alice").status, 204);
  std::vector<std::string> want = {"A_FIRST/1"};
  for (int i = 1; i <= kVersions; ++i) want.push_back("DB_PASSWORD/" + std::to_string(i));

  const HttpResponse json = Call("GET", "/export?format=json", "alice");
  ASSERT_EQ(json.status, 200);
  std::vector<std::string> got;
  const boost::json::value doc = Json(json.body);
  for (const auto& v : doc.as_object().at("secrets").as_array()) {
    const auto& o = v.as_object();
    got.push_back(std::string(o.at("name").as_string()) + "/" +
                  std::to_string(o.at("version").as_int64()));
    EXPECT_FALSE(o.contains("value"));
    EXPECT_EQ(o.at("created_by").as_string(), "alice");
  }
  EXPECT_EQ(got, want);
  const auto& first = doc.as_object().at("secrets").as_array()[0].as_object();
  EXPECT_EQ(first.at("environment").as_string(), "prod");
  EXPECT_EQ(first.at("description").as_string(), "d, \"q\"");
  EXPECT_FALSE(first.at("created_at").as_string().empty());

  const HttpResponse nd = Call("GET", "/export?format=ndjson", "alice");
  ASSERT_EQ(nd.status, 200);
  got.clear();
  std::istringstream lines(nd.body);
  for (std::string line; std::getline(lines, line);) {
    const auto o = Json(line).as_object();
    if (o.at("type").as_string() != "secrets") continue;
    const auto& d = o.at("data").as_object();
    got.push_back(std::string(d.at("name").as_string()) + "/" +
                  std::to_string(d.at("version").as_int64()));
  }
  EXPECT_EQ(got, want);

  const HttpResponse csv = Call("GET", "/export?format=csv", "alice");
  ASSERT_EQ(csv.status, 200);
  const std::size_t from =
      csv.body.find("# secrets\r\nname,version,environment,description,created_at,created_by\r\n");
  ASSERT_NE(from, std::string::npos);
  std::istringstream rows(csv.body.substr(from, csv.body.find("\r\n\r\n", from) - from));
  got.clear();
  std::string row;
  std::getline(rows, row);
  std::getline(rows, row);  // the section's name and header
  while (std::getline(rows, row)) {
    const std::size_t comma = row.find(',');
    got.push_back(row.substr(0, comma) + "/" +
                  row.substr(comma + 1, row.find(',', comma + 1) - comma - 1));
  }
  EXPECT_EQ(got, want);
  for (const auto* body : {&json.body, &nd.body, &csv.body})
    EXPECT_EQ(body->find("s3cr3t-VALUE"), std::string::npos);
}

// The process dies after step 1 (the pending dataplane row): the write was
// never acknowledged, never audited, and is never shown.
TEST_P(Secrets, ACrashBeforeTheControlPlaneTransactionShowsNothingUnaudited) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "secrets_after_pending=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    const HttpResponse r = Put("CRASHY", ValueBody(kValue));
    ADD_FAILURE() << "answered " << r.status << " " << r.body;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  ExpectProblem(Call("GET", "/secrets/CRASHY", "alice"), 404);
  ExpectProblem(Call("POST", "/secrets/CRASHY/reveal", "alice"), 404);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, "[]");
  EXPECT_EQ(Events("secret.put"), 0);
  // The next write of the name works; its version follows the pending
  // one's, which took the name's first number: 200, not 201 (whether that
  // write will commit is not known yet; docs/secrets.md).
  const HttpResponse r = Put("CRASHY", ValueBody(kValue2));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("latest_version").as_int64(), 2);
  const HttpResponse shown = Call("POST", "/secrets/CRASHY/reveal", "alice");
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue2);
}

// The process dies after step 2 committed, before the row is marked: the
// write is committed and audited, and the first reader makes it visible.
TEST_P(Secrets, ACrashAfterTheControlPlaneTransactionLosesNothing) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "secrets_after_commit_record=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    (void)Put("DURABLE", ValueBody(kValue));
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("secret.put"), 1);
  const HttpResponse r = Call("GET", "/secrets/DURABLE", "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("latest_version").as_int64(), 1);
  const HttpResponse shown = Call("POST", "/secrets/DURABLE/reveal", "alice");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue);
}

// A crash during a delete: before step 2 the secret stays; after it, it is gone.
TEST_P(Secrets, ACrashDuringADeleteEndsEitherBeforeOrAfterIt) {
  for (const std::string point : {"secrets_after_pending", "secrets_after_commit_record"}) {
    SCOPED_TRACE(point);
    account_.clear();
    StartOn();
    CreateWorkspace();
    ASSERT_EQ(Put("DOOMED", ValueBody(kValue)).status, 201);
    const std::string dir = server_->data_dir();
    EXPECT_EQ(server_->Stop(), 0);
    ServerProcess::Options crashing;
    crashing.data_dir = dir;
    crashing.config_json = Config();
    crashing.env["WORKSPACED_FAILPOINTS"] = point + "=crash";
    auto stopped = std::move(server_);
    StartOn(crashing);
    try {
      (void)Call("DELETE", "/secrets/DOOMED", "alice");
    } catch (const std::exception&) {
    }
    EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL);
    ServerProcess::Options again;
    again.data_dir = dir;
    again.config_json = Config();
    auto dead = std::move(server_);
    StartOn(again);
    const bool deleted = point == "secrets_after_commit_record";
    EXPECT_EQ(Events("secret.delete"), deleted ? 1 : 0);
    EXPECT_EQ(Call("GET", "/secrets/DOOMED", "alice").status, deleted ? 404 : 200);
    server_.reset();
    stopped.reset();
    dead.reset();
  }
}

TEST_P(Secrets, KeysRotateRewrapsEveryDataKeyUnderARunningServer) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("ROTATED", ValueBody(kValue)).status, 201);
  const CommandResult rotated =
      RunWorkspaced({"keys", "rotate", "--data-dir", server_->data_dir()});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("rewrapped 1 data key"), std::string::npos) << rotated.out;
  int keks = 0;
  for (const auto& e : std::filesystem::directory_iterator(server_->data_dir()))
    keks += e.path().filename().string().rfind("kek-", 0) == 0;
  EXPECT_EQ(keks, 2);
  // The server meets a key wrapped by a KEK it did not load, and loads it.
  const HttpResponse shown = Call("POST", "/secrets/ROTATED/reveal", "alice");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(Json(shown.body).as_object().at("value").as_string(), kValue);
  EXPECT_EQ(Put("ROTATED", ValueBody(kValue2)).status, 200);
}

// secrets_per_workspace counts names, not versions: of concurrent writers of
// new names against a quota of 3, exactly 3 succeed (the count is kept in
// the transaction that commits each write); a new version of a held name
// still goes in, and a delete frees a place.
TEST_P(Secrets, TheSecretsQuotaCountsNamesNotVersionsUnderConcurrentWriters) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("HELD", ValueBody(kValue)).status, 201);
  const auto quotas = [&](const std::string& method, const std::string& body) {
    return CallAs(*c_, *server_, method, "/v1/accounts/" + account_ + "/quotas", "admin", body);
  };
  HttpResponse r = quotas("PUT", R"({"secrets_per_workspace":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("secrets_per_workspace")),
            R"({"allowed":3,"current":1})");
  constexpr int kWriters = 8;
  std::vector<int> statuses(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      HttpClient c(server_->port());
      statuses[i] =
          CallAs(c, *server_, "PUT", "/v1/workspaces/" + ws_ + "/secrets/NEW_" + std::to_string(i),
                 "alice", ValueBody(kValue))
              .status;
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 2);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kWriters - 2);
  EXPECT_EQ(Json(Call("GET", "/secrets", "alice").body).as_array().size(), 3u);
  r = Put("ONE_MORE", ValueBody(kValue));
  ExpectProblem(r, 409);
  const auto o = Json(r.body).as_object();
  EXPECT_EQ(o.at("type").as_string(), "urn:workspaced:problem:quota-exceeded") << r.body;
  EXPECT_EQ(o.at("limit").as_string(), "secrets_per_workspace");
  EXPECT_EQ(o.at("allowed").as_int64(), 3);
  EXPECT_EQ(o.at("current").as_int64(), 3);
  EXPECT_EQ(r.body.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(Put("HELD", ValueBody(kValue2)).status, 200);  // a version, not a name
  ASSERT_EQ(Call("DELETE", "/secrets/HELD", "alice").status, 204);
  EXPECT_EQ(Put("ONE_MORE", ValueBody(kValue)).status, 201);
  EXPECT_EQ(Events("secret.put"), 1 + 2 + 1 + 1);
  r = quotas("GET", "");
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("secrets_per_workspace")),
            R"({"allowed":3,"current":3})");
}

// The process dies in the reveal's audit commit, before it commits: the
// value never left and no reveal is on the record; the chain verifies.
TEST_P(Secrets, ACrashBeforeTheRevealsAuditCommitAnswersNothingAndRecordsNothing) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("GUARDED", ValueBody(kValue)).status, 201);
  const std::string dir = server_->data_dir();
  EXPECT_EQ(server_->Stop(), 0);
  ServerProcess::Options crashing;
  crashing.data_dir = dir;
  crashing.config_json = Config();
  crashing.env["WORKSPACED_FAILPOINTS"] = "audit_group_before_commit=crash";
  auto stopped = std::move(server_);
  StartOn(crashing);
  try {
    const HttpResponse r = Call("POST", "/secrets/GUARDED/reveal", "alice");
    ADD_FAILURE() << "answered " << r.status;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  EXPECT_EQ(server_->Output().find("s3cr3t-VALUE"), std::string::npos);
  ServerProcess::Options again;
  again.data_dir = dir;
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("secret.reveal"), 0);
  const auto verify = RunWorkspaced({"audit", "verify", "--data-dir", dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// Reveals from several clients at once share audit commits; the server is
// killed (SIGKILL) among them. Every reveal that was answered is on the
// record after the restart, and the hash chain verifies.
TEST_P(Secrets, KilledAmidConcurrentRevealsEveryAnsweredRevealIsOnTheRecord) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("BUSY", ValueBody(kValue)).status, 201);
  constexpr int kClients = 8;
  std::atomic<long long> answered{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      HttpClient c(server_->port());
      while (!stop.load()) {
        try {
          const HttpResponse r = CallAs(c, *server_, "POST",
                                        "/v1/workspaces/" + ws_ + "/secrets/BUSY/reveal", "alice");
          if (r.status == 200) answered.fetch_add(1);
        } catch (const std::exception&) {
          return;  // the server is gone
        }
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return answered.load() >= 200; }));
  ::kill(server_->pid(), SIGKILL);
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL);
  stop = true;
  for (auto& t : clients) t.join();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_GE(Events("secret.reveal"), answered.load());
  const auto verify = RunWorkspaced({"audit", "verify", "--data-dir", again.data_dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace workspaced::testing
