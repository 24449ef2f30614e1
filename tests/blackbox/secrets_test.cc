// The secrets pillar end to end (docs/secrets.md, docs/pillars.md): versions,
// metadata without values, reveal by its own permission and audited, delete,
// 423 while frozen with nothing changed, precise 422s, no value anywhere but
// a reveal's answer, the export. Crashes, key rotation and the quota are in
// secrets_crash_test.cc. Runs on SQLite and on PostgreSQL, each with the
// workspace's dataplane in the embedded cell and in a PostgreSQL cell.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "blackbox/secrets_fixture.h"

namespace workspaced::testing {

// Every Secrets test, in this file and secrets_crash_test.cc.
INSTANTIATE_TEST_SUITE_P(Cells, Secrets, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "PostgresCell" : "EmbeddedCell";
                         });

namespace {

TEST_P(Secrets, VersionsMetadataRevealAndDelete) {
  StartOn();
  CreateWorkspace();
  HttpResponse r =
      Put("DB_PASSWORD", ValueBody(kValue, R"(,"environment":"prod","description":"db")"));
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
  // Each reveal's event names the version revealed and its environment.
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM audit_events WHERE action = 'secret.reveal' AND "
                      "details = '{\"version\":1,\"environment\":\"prod\"}'"),
            1);
  EXPECT_EQ(CountRows(server_->data_dir(),
                      "SELECT COUNT(*) FROM audit_events WHERE action = 'secret.reveal' AND "
                      "details = '{\"version\":2}'"),
            1);

  r = Call("DELETE", "/secrets/DB_PASSWORD", "alice");
  EXPECT_EQ(r.status, 204) << r.body;
  ExpectProblem(Call("GET", "/secrets/DB_PASSWORD", "alice"), 404);
  ExpectProblem(Call("POST", "/secrets/DB_PASSWORD/reveal", "alice"), 404);
  ExpectProblem(Call("DELETE", "/secrets/DB_PASSWORD", "alice"), 404);
  EXPECT_EQ(Call("GET", "/secrets", "alice").body, "[]");
  EXPECT_EQ(Events("secret.delete"), 1);
}

// Concurrent DELETEs of one secret delete it once: one 204, the others
// 404 as a DELETE after it, and one audit event (outside audit: up to ten
// 204s and ten events "destroying" the versions, on two replicas).
TEST_P(Secrets, ConcurrentDeletesOfOneSecretDeleteItOnce) {
  StartOn();
  CreateWorkspace();
  const std::string token = server_->Token("alice");
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "RACED_" + std::to_string(round);
    ASSERT_EQ(Put(name, ValueBody(kValue)).status, 201);
    ASSERT_EQ(Put(name, ValueBody(kValue2)).status, 200);
    const std::vector<int> statuses =
        DeleteAtOnce(server_->port(), token, "/v1/workspaces/" + ws_ + "/secrets/" + name, 8);
    EXPECT_EQ(std::ranges::count(statuses, 204), 1) << name;
    EXPECT_EQ(std::ranges::count(statuses, 404), 7) << name;
    ExpectProblem(Call("GET", "/secrets/" + name, "alice"), 404);
  }
  EXPECT_EQ(Events("secret.delete"), kRounds);
  // Nothing left pending or counted: a new PUT of a raced name is a new secret.
  EXPECT_EQ(Put("RACED_0", ValueBody(kValue)).status, 201);
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

// A workspace whose data key row is lost (damage, or a database restored
// without it) while values sealed under it remain: a reveal is a 500 that
// names nothing internal (it said 404 "the workspace has no data key"), a
// detokenize too, and a write makes no new key (it did: every earlier value
// was then unreadable for good, silently). Nothing is changed.
TEST_P(Secrets, ALostDataKeyIsAnInternalErrorAndNoNewKeyIsMade) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("API_KEY", ValueBody(kValue)).status, 201);
  const HttpResponse record =
      Call("POST", "/vault/records", "alice", R"({"fields":{"note":"kept-note-value"}})");
  ASSERT_EQ(record.status, 201) << record.body;
  const std::string token(Json(record.body).as_object().at("tokens").at("note").as_string());
  ExecSql(server_->data_dir(),
          "DELETE FROM workspace_data_keys WHERE workspace_id = '" + ws_ + "'");

  const HttpResponse reveal = Call("POST", "/secrets/API_KEY/reveal", "alice");
  ExpectProblem(reveal, 500);
  EXPECT_EQ(reveal.body.find("data key"), std::string::npos) << reveal.body;
  ExpectProblem(Call("POST", "/vault/detokenize", "alice", R"({"tokens":[")" + token + R"("]})"),
                500);
  ExpectProblem(Put("OTHER", ValueBody(kValue2)), 500);
  ExpectProblem(Call("POST", "/vault/records", "alice", R"({"fields":{"note":"another"}})"), 500);
  EXPECT_EQ(CountRows(server_->data_dir(), "SELECT COUNT(*) FROM workspace_data_keys"), 0);
  const HttpResponse listed = Call("GET", "/secrets", "alice");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Json(listed.body).as_array().size(), 1u);
}

TEST_P(Secrets, AFrozenWorkspaceRefusesChangesWithNothingChanged) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("TOKEN", ValueBody(kValue)).status, 201);
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"audit"})").status,
            200);
  const std::string before = Call("GET", "/secrets", "alice").body;
  ExpectProblem(Put("TOKEN", ValueBody(kValue2)), 423);
  ExpectProblem(Put("OTHER", ValueBody(kValue2)), 423);
  // Bad input is 422 whatever the state, as for a PATCH of the workspace.
  ExpectProblem(Put("OTHER", R"({"value":""})"), 422);
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
  r = Put("OK",
          ValueBody("x", R"(,"environment":"qa","description":")" + std::string(1025, 'd') + "\""));
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "environment description ");
  // A description is shown to every reader and exported: what a terminal
  // would run or hide is refused as in a workspace's name (it was stored).
  for (const std::string d : {"\\u001b[31mRED", "\\u202e", "\\u0000=x", "\\ufeff=1", "a\\nb"}) {
    r = Put("OK", ValueBody("x", R"(,"description":")" + d + "\""));
    ExpectProblem(r, 422);
    EXPECT_EQ(fields(r), "description ") << d;
    EXPECT_NE(r.body.find("must not contain control"), std::string::npos) << r.body;
  }
  // A body that is not JSON says what and where (outside audit: invalid
  // UTF-8 in a string was a bare "syntax error").
  r = Put("OK", "{\"value\":\"a\xff\"}");
  ExpectProblem(r, 400);
  EXPECT_NE(r.body.find("the body is not valid JSON: it is not UTF-8 (byte 11)"), std::string::npos)
      << r.body;
  r = Put("OK", "{\"value\":}");
  ExpectProblem(r, 400);
  EXPECT_NE(r.body.find(" at byte 9"), std::string::npos) << r.body;
  EXPECT_EQ(Call("GET", "/secrets/OK", "alice").status, 404);  // nothing was stored
  r = Put("OK", R"({"value":"x","colour":"red"})");
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "colour ");
  // A field present but of the wrong type is one error, not also "required".
  for (const std::string body : {R"({"value":1})", R"({"value":null})"}) {
    r = Put("OK", body);
    ExpectProblem(r, 422);
    EXPECT_EQ(fields(r), "value ") << body << " " << r.body;
  }
  r = Put("OK", R"({})");
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "value ");
  // However many fields are at fault, 20 are listed and one entry counts
  // the rest: a ~1 MB body does not answer megabytes.
  std::string unknown = R"({"value":"x")";
  for (int i = 0; i < 90'000; ++i) unknown += ",\"k" + std::to_string(i) + "\":1";
  r = Put("OK", unknown + "}");
  ExpectProblem(r, 422);
  ASSERT_LT(r.body.size(), 4096u) << r.body.size();
  const boost::json::array listed = Json(r.body).as_object().at("errors").as_array();
  ASSERT_EQ(listed.size(), 21u);
  EXPECT_EQ(listed[0].at("field").as_string(), "k0");
  EXPECT_EQ(listed[20].at("field").as_string(), "");
  EXPECT_EQ(listed[20].at("detail").as_string(), "and 89980 more fields are at fault, not listed");
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
  // Sent in the query by mistake: refused, and the access log keeps no value
  // of a parameter the API does not define.
  ExpectProblem(Call("PUT", "/secrets/LEAK_TEST?value=s3cr3t-VALUE", "alice", ValueBody("other")),
                400);
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

// The purge removes what the control plane keeps of a workspace's pillars
// (docs/lifecycle.md), not only the dataplane and the data key: the items
// quotas count (secret names, vault record ids), its pillar operations'
// outcomes, and the stored answers of its idempotent requests (a vault
// record's holds its tokens and masks; the create's, its name).
TEST_P(Secrets, APurgeLeavesNoPillarRowsOrStoredAnswersOfTheWorkspace) {
  StartOn({.config_json = Config(R"(,"lifecycle":{"deletion_retention_s":0})")});
  const HttpResponse created =
      PostWorkspace(*c_, server_->Token("alice"), CreateBody(account_, "Doomed"), "create-doomed");
  ASSERT_EQ(created.status, 202) << created.body;
  const auto accepted = Json(created.body).as_object();
  ws_ = std::string(accepted.at("workspace_id").as_string());
  ASSERT_EQ(WaitRun(*c_, server_->Token("alice"),
                    std::string(accepted.at("provisioning_run_id").as_string()))
                .at("state")
                .as_string(),
            "succeeded");
  ASSERT_EQ(Put("OLD_NAME", ValueBody(kValue)).status, 201);
  const HttpResponse record =
      CallAs(*c_, *server_, "POST", "/v1/workspaces/" + ws_ + "/vault/records", "alice",
             R"({"fields":{"card":{"type":"card_number","value":"4242424242424242"}}})",
             {{"Idempotency-Key", "record-1"}});
  ASSERT_EQ(record.status, 201) << record.body;
  const std::string dir = server_->data_dir();
  const std::string of_ws = " WHERE workspace_id = '" + ws_ + "'";
  const std::string answers = "SELECT COUNT(*) FROM idempotency_keys WHERE body LIKE '%" + ws_ +
                              "%' OR location LIKE '%" + ws_ + "%'";
  ASSERT_EQ(CountRows(dir, "SELECT COUNT(*) FROM pillar_items" + of_ws), 2);
  ASSERT_GT(CountRows(dir, "SELECT COUNT(*) FROM pillar_operations" + of_ws), 0);
  ASSERT_EQ(CountRows(dir, answers), 2);

  ASSERT_EQ(Call("DELETE", "?force=true", "alice").status, 202);
  ASSERT_TRUE(Eventually([&] {
    return CountRows(dir, "SELECT COUNT(*) FROM workspaces WHERE status = 'purged'") == 1;
  }));
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM pillar_items" + of_ws), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM pillar_operations" + of_ws), 0);
  EXPECT_EQ(CountRows(dir, answers), 0);
  EXPECT_EQ(CountRows(dir, "SELECT COUNT(*) FROM workspace_data_keys" + of_ws), 0);
  // The audit chain stays, by design, and holds no value.
  EXPECT_GT(CountRows(dir, "SELECT COUNT(*) FROM audit_events" + of_ws), 0);
}

// The sealed values of a deleted secret, as stored in the workspace's
// embedded dataplane file (none with a PostgreSQL cell).
std::vector<std::string> SealedOf(const std::string& dir, const std::string& ws,
                                  const std::string& name) {
  std::vector<std::string> out;
  const std::string path = dir + "/dataplanes/us-east-1/" + ws + ".db";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT sealed FROM secret_versions WHERE name = ?1", -1, &stmt,
                           nullptr) == SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, name.c_str(), -1, SQLITE_TRANSIENT);
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, 0));
        if (bytes != nullptr) out.emplace_back(bytes, sqlite3_column_bytes(stmt, 0));
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// Whether any file of the data directory holds `bytes`.
std::string FileHolding(const std::string& dir, const std::string& bytes) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file() && ReadAll(e.path()).find(bytes) != std::string::npos)
      return e.path().string();
  return "";
}

// A deleted secret's sealed versions, and a purged workspace's wrapped data
// key, are in no file of the data directory once the deletion is answered,
// the server still running: SQLite's write-ahead log kept older page images
// holding them (outside audit: both were carved from the live -wal files,
// the key unwrapped with the key file beside it and the values opened).
TEST_P(Secrets, ADeletedSecretAndAPurgedKeyLeaveNoCopyInTheDataDirectory) {
  StartOn({.config_json = Config(R"(,"lifecycle":{"deletion_retention_s":0})")});
  CreateWorkspace();
  const std::string dir = server_->data_dir();
  ASSERT_EQ(Put("SHREDDED", ValueBody(kValue)).status, 201);
  ASSERT_EQ(Put("SHREDDED", ValueBody(kValue2)).status, 200);
  const std::vector<std::string> sealed = SealedOf(dir, ws_, "SHREDDED");
  if (cell_.empty()) {
    ASSERT_EQ(sealed.size(), 2u);
    for (const std::string& s : sealed) ASSERT_FALSE(FileHolding(dir, s).empty());
  }
  ASSERT_EQ(Call("DELETE", "/secrets/SHREDDED", "alice").status, 204);
  for (const std::string& s : sealed) EXPECT_EQ(FileHolding(dir, s), "") << "a deleted version";

  const std::string wrapped =
      QueryText(dir, "SELECT wrapped FROM workspace_data_keys WHERE workspace_id = '" + ws_ + "'");
  ASSERT_GT(wrapped.size(), 16u);
  ASSERT_EQ(Call("DELETE", "/secrets/DB_PASSWORD", "alice").status, 404);
  ASSERT_EQ(Call("DELETE", "?force=true", "alice").status, 202);
  ASSERT_TRUE(Eventually([&] {
    return CountRows(dir, "SELECT COUNT(*) FROM workspaces WHERE status = 'purged'") == 1;
  }));
  EXPECT_EQ(FileHolding(dir, wrapped), "") << "the purged workspace's data key";
}

// A soft-deleted workspace keeps its secrets for a restore but serves no
// value: its admins still see the metadata, a reveal (and a detokenize) is
// 409 naming the restore, with no event; after the restore it reveals again.
TEST_P(Secrets, ASoftDeletedWorkspaceRevealsNothingUntilItIsRestored) {
  StartOn();
  CreateWorkspace();
  ASSERT_EQ(Put("API_KEY", ValueBody(kValue)).status, 201);
  const HttpResponse record =
      Call("POST", "/vault/records", "alice",
           R"({"fields":{"card":{"type":"card_number","value":"4242424242424242"}}})");
  ASSERT_EQ(record.status, 201) << record.body;
  const std::string token(
      Json(record.body).as_object().at("fields").as_object().at("card").at("token").as_string());
  const std::string detokenize = R"({"tokens":[")" + token + R"("]})";
  ASSERT_EQ(Call("DELETE", "?force=true", "alice").status, 202);
  ASSERT_TRUE(Eventually([&] {
    const HttpResponse ws = Call("GET", "", "alice");
    return ws.status == 200 && Json(ws.body).as_object().at("status").as_string() == "deleted";
  }));
  EXPECT_EQ(Call("GET", "/secrets/API_KEY", "alice").status, 200);
  const HttpResponse refused = Call("POST", "/secrets/API_KEY/reveal", "alice");
  ExpectProblem(refused, 409);
  EXPECT_NE(refused.body.find("/restore"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find(kValue), std::string::npos);
  ExpectProblem(Call("POST", "/vault/detokenize", "alice", detokenize), 409);
  EXPECT_EQ(Events("secret.reveal"), 0);
  EXPECT_EQ(Events("vault.detokenize"), 0);

  ASSERT_EQ(Call("POST", "/restore", "alice").status, 200);
  const HttpResponse revealed = Call("POST", "/secrets/API_KEY/reveal", "alice");
  ASSERT_EQ(revealed.status, 200) << revealed.body;
  EXPECT_EQ(Json(revealed.body).as_object().at("value").as_string(), kValue);
  EXPECT_EQ(Call("POST", "/vault/detokenize", "alice", detokenize).status, 200);
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

}  // namespace
}  // namespace workspaced::testing
