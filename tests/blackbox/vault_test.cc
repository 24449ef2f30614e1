// The data vault end to end (docs/vault.md, docs/pillars.md): tokens random
// or deterministic, masks for readers without `detokenize`, values for
// those with it (audited), tokens of another workspace unknown, delete, 423
// while frozen with nothing changed, precise 422s, the export with tokens
// and masks only, no value anywhere but a detokenize answer, and crashes at
// each point of the pillar protocol. Runs on SQLite (with the embedded
// dataplane) and on PostgreSQL, where us-east-1's cell is the same
// PostgreSQL (the vault's rows in its `ws_<id>` schema).
#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

// Values whose distinctive parts no mask shows.
constexpr char kCard[] = "4000 0566 5566 5556";
constexpr char kCardDigits[] = "4000056655665556";
constexpr char kEmail[] = "leaky.person.9f3e@example.com";
constexpr char kNote[] = "v4ult-VALUE-c0ffee-never-shown";

class Vault : public ::testing::Test {
 protected:
  // The configuration every server of a test gets: on PostgreSQL, with
  // us-east-1's dataplane cell on the test's database.
  std::string Config() const { return FastSagaConfig(1000, cells_); }
  void StartOn(ServerProcess::Options o = {}) {
    if (o.data_dir.empty()) {
      dir_ = std::make_unique<TempDir>();
      o.data_dir = dir_->path() + "/data";
      cells_.clear();
      if (std::getenv("WS_BLACKBOX_POSTGRES") != nullptr)
        cells_ = R"(,"cells":{"us-east-1":")" + BlackboxDatabase(o.data_dir, /*create=*/true) +
                 R"("})";
    }
    if (o.config_json.empty()) o.config_json = Config();
    server_ = ServerProcess::Start(o);
    c_ = std::make_unique<HttpClient>(server_->port());
    if (account_.empty()) {
      Seeder seed(server_->data_dir());
      account_ = seed.Account("Acme", "alice");
    }
  }
  std::string CreateWorkspace(const std::string& name = "Vault") {
    const HttpResponse r = PostWorkspace(*c_, server_->Token("alice"), CreateBody(account_, name));
    EXPECT_EQ(r.status, 202) << r.body;
    const auto o = Json(r.body).as_object();
    const std::string ws(o.at("workspace_id").as_string());
    EXPECT_EQ(WaitRun(*c_, server_->Token("alice"),
                      std::string(o.at("provisioning_run_id").as_string()))
                  .at("state")
                  .as_string(),
              "succeeded");
    Seeder seed(server_->data_dir());
    seed.Member(ws, "mia", model::WorkspaceRole::kMember);
    seed.Member(ws, "vic", model::WorkspaceRole::kViewer);
    if (ws_.empty()) ws_ = ws;
    return ws;
  }
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "", std::string ws = "") {
    if (ws.empty()) ws = ws_;
    return CallAs(*c_, *server_, method, "/v1/workspaces/" + ws + path, who, body);
  }
  HttpResponse Create(const std::string& body, const std::string& who = "alice",
                      const std::string& ws = "") {
    return Call("POST", "/vault/records", who, body, ws);
  }
  HttpResponse Detokenize(const std::vector<std::string>& tokens, const std::string& who,
                          const std::string& ws = "") {
    std::string body = R"({"tokens":[)";
    for (std::size_t i = 0; i < tokens.size(); ++i) body += (i ? ",\"" : "\"") + tokens[i] + "\"";
    return Call("POST", "/vault/detokenize", who, body + "]}", ws);
  }
  long long Events(const std::string& action) {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "'");
  }

  std::unique_ptr<TempDir> dir_;  // outlives the servers on it
  std::string cells_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> c_;
  std::string account_, ws_;
};

std::string RecordBody(bool deterministic_email = true) {
  return std::string(R"({"fields":{"card":{"type":"card_number","value":")") + kCard +
         R"("},"email":{"type":"email","value":")" + kEmail + R"(","deterministic":)" +
         (deterministic_email ? "true" : "false") + R"(},"note":{"type":"text","value":")" + kNote +
         R"("}}})";
}

std::string TokenOf(const HttpResponse& r, const std::string& field) {
  return std::string(
      Json(r.body).as_object().at("fields").as_object().at(field).as_object().at("token").as_string());
}

// PRODUCT.md's short forms: a field given as a plain string (a text field),
// the answer's "tokens" by field, and detokenize's "values" by token (the
// value with `detokenize`, the mask without; unknown tokens absent).
TEST_F(Vault, TheShortFormsTakeStringFieldsAndAnswerTokensAndValuesByName) {
  StartOn();
  CreateWorkspace();
  const HttpResponse created =
      Create(std::string(R"({"fields":{"note":")") + kNote + R"(","card":{"type":"card_number","value":")" +
             kCard + R"("}}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body.find(kNote), std::string::npos);
  const auto rec = Json(created.body).as_object();
  EXPECT_EQ(rec.at("fields").at("note").at("type").as_string(), "text");
  const auto& tokens = rec.at("tokens").as_object();
  ASSERT_EQ(tokens.size(), 2u);
  const std::string note(tokens.at("note").as_string()), card(tokens.at("card").as_string());
  EXPECT_EQ(note, TokenOf(created, "note"));
  EXPECT_EQ(card, TokenOf(created, "card"));

  const std::string unknown = "vtr_AAAAAAAAAAAAAAAAAAAAAA";
  HttpResponse r = Detokenize({note, card, unknown, note}, "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  auto values = Json(r.body).as_object().at("values").as_object();
  EXPECT_EQ(values.size(), 2u);
  EXPECT_EQ(values.at(note).as_string(), kNote);
  EXPECT_EQ(values.at(card).as_string(), kCardDigits);
  EXPECT_FALSE(values.contains(unknown));

  r = Detokenize({note, card}, "vic");  // a viewer: masks only
  ASSERT_EQ(r.status, 200) << r.body;
  values = Json(r.body).as_object().at("values").as_object();
  EXPECT_EQ(values.at(note).as_string(), "********");
  EXPECT_EQ(values.at(card).as_string(), "**** **** **** 5556");
  EXPECT_EQ(r.body.find(kNote), std::string::npos);

  // A field that is neither a string nor an object is named, nothing stored.
  r = Create(R"({"fields":{"n":42}})");
  ExpectProblem(r, 422);
  EXPECT_NE(r.body.find("fields.n"), std::string::npos) << r.body;
}

TEST_F(Vault, ARecordAnswersTokensAndMasksAndDetokenizesForAdminsOnly) {
  StartOn();
  CreateWorkspace();
  const HttpResponse created = Create(RecordBody(), "mia");  // members write
  ASSERT_EQ(created.status, 201) << created.body;
  for (const char* v : {kCardDigits, kEmail, kNote}) EXPECT_EQ(created.body.find(v), std::string::npos);
  const auto rec = Json(created.body).as_object();
  const std::string id(rec.at("id").as_string());
  EXPECT_EQ(created.Header("Location"), "/v1/workspaces/" + ws_ + "/vault/records/" + id);
  const auto& fields = rec.at("fields").as_object();
  EXPECT_EQ(fields.at("card").at("mask").as_string(), "**** **** **** 5556");
  EXPECT_EQ(fields.at("email").at("mask").as_string(), "l***@example.com");
  EXPECT_EQ(fields.at("note").at("mask").as_string(), "********");
  EXPECT_TRUE(fields.at("email").at("deterministic").as_bool());
  EXPECT_EQ(TokenOf(created, "card").rfind("vtr_", 0), 0u);
  EXPECT_EQ(TokenOf(created, "email").rfind("vtd_", 0), 0u);
  EXPECT_EQ(rec.at("created_by").as_string(), "mia");
  // Where the rows went: the embedded file, or the PostgreSQL cell.
  EXPECT_EQ(DataplaneFileExists(server_->data_dir(), ws_), cells_.empty());

  const HttpResponse got = Call("GET", "/vault/records/" + id, "vic");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Json(got.body), Json(created.body));
  const HttpResponse list = Call("GET", "/vault/records", "vic");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Json(list.body).as_object().at("records").as_array().size(), 1u);

  const std::vector<std::string> tokens = {TokenOf(created, "card"), TokenOf(created, "email"),
                                           TokenOf(created, "note")};
  HttpResponse r = Detokenize(tokens, "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  auto o = Json(r.body).as_object();
  EXPECT_TRUE(o.at("values_shown").as_bool());
  const auto& results = o.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("value").as_string(), kCardDigits);  // stored normalised
  EXPECT_EQ(results[1].at("value").as_string(), kEmail);
  EXPECT_EQ(results[2].at("value").as_string(), kNote);
  EXPECT_EQ(results[0].at("record_id").as_string(), id);
  EXPECT_EQ(results[0].at("field").as_string(), "card");
  EXPECT_EQ(Events("vault.detokenize"), 1);

  for (const std::string who : {"mia", "vic"}) {
    r = Detokenize(tokens, who);
    ASSERT_EQ(r.status, 200) << r.body;
    o = Json(r.body).as_object();
    EXPECT_FALSE(o.at("values_shown").as_bool());
    EXPECT_EQ(o.at("results").as_array()[0].at("mask").as_string(), "**** **** **** 5556");
    EXPECT_FALSE(o.at("results").as_array()[0].as_object().contains("value"));
    for (const char* v : {kCardDigits, kEmail, kNote}) EXPECT_EQ(r.body.find(v), std::string::npos);
  }
  EXPECT_EQ(Events("vault.detokenize"), 1);  // masks are not audited
  ExpectProblem(Detokenize(tokens, "stranger"), 404);
  ExpectProblem(Create(RecordBody(), "vic"), 403);
  ExpectProblem(Call("DELETE", "/vault/records/" + id, "vic"), 403);

  EXPECT_EQ(Call("DELETE", "/vault/records/" + id, "alice").status, 204);
  ExpectProblem(Call("GET", "/vault/records/" + id, "alice"), 404);
  ExpectProblem(Call("DELETE", "/vault/records/" + id, "alice"), 404);
  r = Detokenize(tokens, "alice");
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value gone = Json(r.body);
  for (const auto& res : gone.at("results").as_array()) EXPECT_FALSE(res.at("found").as_bool());
  EXPECT_EQ(Events("vault.record.create"), 1);
  EXPECT_EQ(Events("vault.record.delete"), 1);
}

TEST_F(Vault, DeterministicTokensJoinWithinAWorkspaceAndNeverAcrossWorkspaces) {
  StartOn();
  const std::string a = CreateWorkspace("Alpha");
  const std::string b = CreateWorkspace("Beta");
  const HttpResponse a1 = Create(RecordBody(), "alice", a);
  const HttpResponse a2 = Create(RecordBody(), "alice", a);
  const HttpResponse b1 = Create(RecordBody(), "alice", b);
  ASSERT_EQ(a1.status, 201) << a1.body;
  ASSERT_EQ(a2.status, 201);
  ASSERT_EQ(b1.status, 201);
  EXPECT_EQ(TokenOf(a1, "email"), TokenOf(a2, "email"));  // deterministic: joinable
  EXPECT_NE(TokenOf(a1, "card"), TokenOf(a2, "card"));    // random
  EXPECT_NE(TokenOf(a1, "email"), TokenOf(b1, "email"));  // another workspace's key
  // The same email in another type or random: another token.
  EXPECT_NE(TokenOf(Create(RecordBody(false), "alice", a), "email"), TokenOf(a1, "email"));

  // A's tokens are unknown in B, and B's in A.
  HttpResponse r = Detokenize({TokenOf(a1, "card"), TokenOf(a1, "email")}, "alice", b);
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value unknown = Json(r.body);
  for (const auto& res : unknown.at("results").as_array()) {
    EXPECT_FALSE(res.at("found").as_bool());
    EXPECT_FALSE(res.as_object().contains("value"));
  }
  r = Detokenize({TokenOf(b1, "email"), TokenOf(a1, "email")}, "alice", a);
  const boost::json::value doc = Json(r.body);
  const auto& results = doc.at("results").as_array();
  EXPECT_FALSE(results[0].at("found").as_bool());
  EXPECT_EQ(results[1].at("value").as_string(), kEmail);
  // Deleting one record keeps the shared token answering from the other.
  const std::string first(Json(a1.body).as_object().at("id").as_string());
  ASSERT_EQ(Call("DELETE", "/vault/records/" + first, "alice", "", a).status, 204);
  r = Detokenize({TokenOf(a2, "email")}, "alice", a);
  EXPECT_EQ(Json(r.body).as_object().at("results").as_array()[0].at("value").as_string(), kEmail);
}

TEST_F(Vault, AFrozenWorkspaceRefusesChangesWithNothingChanged) {
  StartOn();
  CreateWorkspace();
  const HttpResponse created = Create(RecordBody());
  ASSERT_EQ(created.status, 201);
  const std::string id(Json(created.body).as_object().at("id").as_string());
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"audit"})").status, 200);
  const std::string before = Call("GET", "/vault/records", "alice").body;
  ExpectProblem(Create(RecordBody()), 423);
  ExpectProblem(Create(R"({"fields":{"x":{"type":"nope"}}})"), 423);  // the state first
  ExpectProblem(Call("DELETE", "/vault/records/" + id, "alice"), 423);
  EXPECT_EQ(Call("GET", "/vault/records", "alice").body, before);
  EXPECT_EQ(Detokenize({TokenOf(created, "card")}, "alice").status, 200);  // a read
  EXPECT_EQ(Events("vault.record.create"), 1);
  EXPECT_EQ(Events("vault.record.delete"), 0);
}

TEST_F(Vault, InvalidRequestsAnswerPreciseProblemsAndChangeNothing) {
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
  HttpResponse r = Create(
      R"({"fields":{"card":{"type":"card_number","value":"4242 4242 4242 4241"},)"
      R"("mail":{"type":"email","value":"no-at-sign","mask":"card"},"x":{"type":"blob","value":"1"}}})");
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "fields.card.value fields.mail.mask fields.mail.value fields.x.type ");
  EXPECT_EQ(r.body.find("4242 4242 4242 4241"), std::string::npos);  // no value in a problem
  r = Create(R"({"fields":{"a":{"type":"text"}},"colour":"red"})");
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "fields.a.value colour ");
  r = Create(R"({"fields":{"a":{"type":"text","value":"v","deterministic":"yes","extra":1}}})");
  EXPECT_EQ(fields(r), "fields.a.deterministic fields.a.extra ");
  ExpectProblem(Create(R"({"fields":{}})"), 422);
  std::string many = R"({"fields":{)";
  for (int i = 0; i < 33; ++i) many += (i ? ",\"f" : "\"f") + std::to_string(i) + R"(":{"type":"text","value":"v"})";
  ExpectProblem(Create(many + "}}"), 422);
  ExpectProblem(Create(R"({"fields":{"a":{"type":"text","value":"1"},"a":{"type":"text","value":"2"}}})"), 400);
  ExpectProblem(Create("not json"), 400);
  ExpectProblem(Create(R"({"fields":{"9bad":{"type":"text","value":"v"}}})"), 422);
  r = Create(R"({"fields":{"t":{"type":"text","value":")" + std::string(4097, 'x') + "\"}}}");
  EXPECT_EQ(fields(r), "fields.t.value ");

  r = Detokenize({"vtr_AAAAAAAAAAAAAAAAAAAAAA", "nope"}, "alice");
  ExpectProblem(r, 422);
  EXPECT_EQ(fields(r), "tokens[1] ");
  std::vector<std::string> too_many(101, "vtr_AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(fields(Detokenize(too_many, "alice")), "tokens ");
  ExpectProblem(Call("POST", "/vault/detokenize", "alice", R"({"tokens":[]})"), 422);
  ExpectProblem(Call("POST", "/vault/detokenize", "alice", R"({"tokens":["a"],"tokens":["b"]})"), 400);
  ExpectProblem(Call("GET", "/vault/records/not-a-uuid", "alice"), 404);
  ExpectProblem(Call("GET", "/vault/records?limit=0", "alice"), 400);
  ExpectProblem(Call("GET", "/vault/records?after=nope", "alice"), 400);
  ExpectProblem(Call("GET", "/vault/records?colour=red", "alice"), 400);
  ExpectProblem(Call("GET", "/vault/records?limit=1&limit=2", "alice"), 400);
  // Every other endpoint takes no query parameters: a typo is never ignored.
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/vault/records?x=1"},
           {"GET", "/vault/records/0190c5a2-1111-7000-8000-000000000001?x=1"},
           {"DELETE", "/vault/records/0190c5a2-1111-7000-8000-000000000001?x=1"},
           {"POST", "/vault/detokenize?values=false"}}) {
    const HttpResponse q =
        Call(method, path, "alice",
             method == "POST" ? R"({"fields":{"a":{"type":"text","value":"v"}}})" : "");
    ExpectProblem(q, 400);
    EXPECT_NE(q.body.find("this endpoint takes no query parameters"), std::string::npos)
        << method << " " << path << ": " << q.body;
  }
  EXPECT_EQ(Json(Call("GET", "/vault/records", "alice").body).as_object().at("records").as_array().size(), 0u);
  EXPECT_EQ(Events("vault.record.create"), 0);
}

TEST_F(Vault, RecordsArePagedInCreationOrder) {
  StartOn();
  CreateWorkspace();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    const HttpResponse r = Create(R"({"fields":{"n":{"type":"text","value":"v"}}})");
    ASSERT_EQ(r.status, 201);
    ids.emplace_back(Json(r.body).as_object().at("id").as_string());
  }
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    const HttpResponse r =
        Call("GET", "/vault/records?limit=2" + (after.empty() ? "" : "&after=" + after), "vic");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto o = Json(r.body).as_object();
    for (const auto& rec : o.at("records").as_array()) seen.emplace_back(rec.at("id").as_string());
    if (o.at("next").is_null()) {
      EXPECT_TRUE(r.Header("Link").empty()) << r.Header("Link");
      break;
    }
    after = std::string(o.at("next").as_string());
    // The same page announced as every other list does.
    EXPECT_EQ(r.Header("Link"), "</v1/workspaces/" + ws_ + "/vault/records?limit=2&after=" + after +
                                    ">; rel=\"next\"");
  }
  EXPECT_EQ(seen, ids);
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(Vault, AValueAppearsNowhereButInADetokenizeAnswer) {
  StartOn();
  CreateWorkspace();
  const HttpResponse created = Create(RecordBody());
  ASSERT_EQ(created.status, 201);
  ASSERT_EQ(Detokenize({TokenOf(created, "note")}, "alice").status, 200);
  ASSERT_EQ(Detokenize({TokenOf(created, "note")}, "mia").status, 200);
  ExpectProblem(Create(std::string(R"({"fields":{"note":{"type":"phone","value":")") + kNote + "\"}}}"), 422);
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"x"})").status, 200);
  ExpectProblem(Create(RecordBody()), 423);
  std::vector<std::pair<std::string, std::string>> seen = {
      {"audit", Call("GET", "/audit?limit=200", "alice").body},
      {"export json", Call("GET", "/export", "alice").body},
      {"export ndjson", Call("GET", "/export?format=ndjson", "alice").body},
      {"export csv", Call("GET", "/export?format=csv", "alice").body},
      {"metrics", c_->Get("/metrics").body},
      {"records", Call("GET", "/vault/records", "alice").body},
  };
  // The export has the record's tokens and masks.
  const boost::json::value doc = Json(seen[1].second);
  const auto& exported = doc.as_object().at("vault_fields").as_array();
  ASSERT_EQ(exported.size(), 3u);
  EXPECT_EQ(exported[0].at("field").as_string(), "card");
  EXPECT_EQ(exported[0].at("token").as_string(), TokenOf(created, "card"));
  EXPECT_EQ(exported[0].at("mask").as_string(), "**** **** **** 5556");
  EXPECT_NE(seen[3].second.find("# vault_fields\r\nrecord_id,field,type,token,deterministic,mask,"),
            std::string::npos);
  EXPECT_EQ(server_->Stop(), 0);
  seen.emplace_back("log", server_->Output());
  for (const auto& e : std::filesystem::recursive_directory_iterator(server_->data_dir()))
    if (e.is_regular_file()) seen.emplace_back(e.path().string(), ReadAll(e.path()));
  for (const auto& [where, text] : seen) {
    EXPECT_EQ(text.find("v4ult-VALUE"), std::string::npos) << "the note is in " << where;
    EXPECT_EQ(text.find("leaky.person"), std::string::npos) << "the email is in " << where;
    EXPECT_EQ(text.find(kCardDigits), std::string::npos) << "the card is in " << where;
  }
}

// The process dies after step 1: nothing acknowledged, audited or shown.
TEST_F(Vault, ACrashBeforeTheControlPlaneTransactionShowsNothingUnaudited) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "vault_after_pending=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    const HttpResponse r = Create(RecordBody());
    ADD_FAILURE() << "answered " << r.status << " " << r.body;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Json(Call("GET", "/vault/records", "alice").body).as_object().at("records").as_array().size(), 0u);
  EXPECT_EQ(Events("vault.record.create"), 0);
  EXPECT_EQ(Create(RecordBody()).status, 201);
}

// The process dies after step 2: the record is committed, audited and shown.
TEST_F(Vault, ACrashAfterTheControlPlaneTransactionLosesNothing) {
  ServerProcess::Options o;
  o.env["WORKSPACED_FAILPOINTS"] = "vault_after_commit_record=crash";
  StartOn(o);
  CreateWorkspace();
  try {
    (void)Create(RecordBody());
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  ServerProcess::Options again;
  again.data_dir = server_->data_dir();
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("vault.record.create"), 1);
  const HttpResponse list = Call("GET", "/vault/records", "alice");
  const boost::json::value doc = Json(list.body);
  const auto& records = doc.at("records").as_array();
  ASSERT_EQ(records.size(), 1u) << list.body;
  const std::string token(records[0].at("fields").at("note").at("token").as_string());
  const HttpResponse r = Detokenize({token}, "alice");
  EXPECT_EQ(Json(r.body).as_object().at("results").as_array()[0].at("value").as_string(), kNote);
}

// A crash during a delete: before step 2 the record stays; after it, it is gone.
TEST_F(Vault, ACrashDuringADeleteEndsEitherBeforeOrAfterIt) {
  for (const std::string point : {"vault_after_pending", "vault_after_commit_record"}) {
    SCOPED_TRACE(point);
    account_.clear();
    ws_.clear();
    StartOn();
    CreateWorkspace();
    const HttpResponse created = Create(RecordBody());
    ASSERT_EQ(created.status, 201);
    const std::string id(Json(created.body).as_object().at("id").as_string());
    const std::string dir = server_->data_dir();
    EXPECT_EQ(server_->Stop(), 0);
    ServerProcess::Options crashing;
    crashing.data_dir = dir;
    crashing.config_json = Config();
    crashing.env["WORKSPACED_FAILPOINTS"] = point + "=crash";
    auto stopped = std::move(server_);
    StartOn(crashing);
    try {
      (void)Call("DELETE", "/vault/records/" + id, "alice");
    } catch (const std::exception&) {
    }
    EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL);
    ServerProcess::Options again;
    again.data_dir = dir;
    again.config_json = Config();
    auto dead = std::move(server_);
    StartOn(again);
    const bool deleted = point == "vault_after_commit_record";
    EXPECT_EQ(Events("vault.record.delete"), deleted ? 1 : 0);
    EXPECT_EQ(Call("GET", "/vault/records/" + id, "alice").status, deleted ? 404 : 200);
    server_.reset();
    stopped.reset();
    dead.reset();
  }
}

// The process dies in the detokenize's audit commit (the group commit a
// secret's reveal uses), before it commits: no value left and no
// detokenize is on the record; the chain verifies.
TEST_F(Vault, ACrashBeforeTheDetokenizesAuditCommitAnswersNothingAndRecordsNothing) {
  StartOn();
  CreateWorkspace();
  const HttpResponse created = Create(RecordBody());
  ASSERT_EQ(created.status, 201);
  const std::string token = TokenOf(created, "note");
  const std::string dir = server_->data_dir();
  EXPECT_EQ(server_->Stop(), 0);
  ServerProcess::Options crashing;
  crashing.data_dir = dir;
  crashing.config_json = Config();
  crashing.env["WORKSPACED_FAILPOINTS"] = "audit_group_before_commit=crash";
  auto stopped = std::move(server_);
  StartOn(crashing);
  try {
    const HttpResponse r = Detokenize({token}, "alice");
    ADD_FAILURE() << "answered " << r.status;
  } catch (const std::exception&) {
  }
  EXPECT_EQ(server_->Wait(20'000), 128 + SIGKILL) << server_->Output();
  EXPECT_EQ(server_->Output().find("v4ult-VALUE"), std::string::npos);
  ServerProcess::Options again;
  again.data_dir = dir;
  again.config_json = Config();
  auto dead = std::move(server_);
  StartOn(again);
  EXPECT_EQ(Events("vault.detokenize"), 0);
  const auto verify = RunWorkspaced({"audit", "verify", "--data-dir", dir});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// vault_records_per_workspace: of concurrent creators against a quota of 3
// (one record held), exactly 2 succeed — the count is kept in the
// transaction that commits each create — and a delete frees a place.
TEST_F(Vault, TheVaultQuotaHoldsUnderConcurrentCreators) {
  StartOn();
  CreateWorkspace();
  const HttpResponse held = Create(RecordBody());
  ASSERT_EQ(held.status, 201);
  const auto quotas = [&](const std::string& method, const std::string& body) {
    return CallAs(*c_, *server_, method, "/v1/accounts/" + account_ + "/quotas", "admin", body);
  };
  HttpResponse r = quotas("PUT", R"({"vault_records_per_workspace":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("vault_records_per_workspace")),
            R"({"allowed":3,"current":1})");
  constexpr int kWriters = 8;
  std::vector<int> statuses(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      HttpClient c(server_->port());
      statuses[i] = CallAs(c, *server_, "POST", "/v1/workspaces/" + ws_ + "/vault/records", "alice",
                           RecordBody())
                        .status;
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 2);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), kWriters - 2);
  EXPECT_EQ(Json(Call("GET", "/vault/records", "alice").body).at("records").as_array().size(), 3u);
  r = Create(RecordBody());
  ExpectProblem(r, 409);
  const auto o = Json(r.body).as_object();
  EXPECT_EQ(o.at("type").as_string(), "urn:workspaced:problem:quota-exceeded") << r.body;
  EXPECT_EQ(o.at("limit").as_string(), "vault_records_per_workspace");
  EXPECT_EQ(o.at("allowed").as_int64(), 3);
  EXPECT_EQ(o.at("current").as_int64(), 3);
  for (const char* v : {kCardDigits, kEmail, kNote}) EXPECT_EQ(r.body.find(v), std::string::npos);
  const std::string id(Json(held.body).as_object().at("id").as_string());
  ASSERT_EQ(Call("DELETE", "/vault/records/" + id, "alice").status, 204);
  EXPECT_EQ(Create(RecordBody()).status, 201);
  EXPECT_EQ(Events("vault.record.create"), 1 + 2 + 1);
  r = quotas("GET", "");
  EXPECT_EQ(boost::json::serialize(Json(r.body).as_object().at("vault_records_per_workspace")),
            R"({"allowed":3,"current":3})");
}

}  // namespace
}  // namespace workspaced::testing
