// The data vault end to end (docs/vault.md, docs/pillars.md): tokens random
// or deterministic, masks for readers without `detokenize`, values for
// those with it (audited), tokens of another workspace unknown, delete, 423
// while frozen with nothing changed, precise 422s, the export with tokens
// and masks only, no value anywhere but a detokenize answer. Crashes and
// the quota are in vault_crash_test.cc. Runs on SQLite (with the embedded
// dataplane) and on PostgreSQL, where us-east-1's cell is the same
// PostgreSQL (the vault's rows in its `ws_<id>` schema).
#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "blackbox/vault_fixture.h"

namespace workspaced::testing {
namespace {

// PRODUCT.md's short forms: a field given as a plain string (a text field),
// the answer's "tokens" by field, and detokenize's "values" by token (the
// value with `detokenize`, the mask without; unknown tokens absent).
TEST_F(Vault, TheShortFormsTakeStringFieldsAndAnswerTokensAndValuesByName) {
  StartOn();
  CreateWorkspace();
  const HttpResponse created =
      Create(std::string(R"({"fields":{"note":")") + kNote +
             R"(","card":{"type":"card_number","value":")" + kCard + R"("}}})");
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
  // Its audit event counts as the answer does: 4 tokens asked, 3 results
  // found (a token asked twice is found twice).
  long long found = 0;
  const boost::json::value answer = Json(r.body);  // outlives the loop
  for (const auto& res : answer.at("results").as_array())
    found += res.at("found").as_bool() ? 1 : 0;
  EXPECT_EQ(found, 3);
  const HttpResponse audited = Call("GET", "/audit?action=vault.detokenize", "alice");
  ASSERT_EQ(audited.status, 200) << audited.body;
  const boost::json::value events = Json(audited.body);
  ASSERT_EQ(events.as_array().size(), 1u) << audited.body;
  const auto& details = events.as_array()[0].at("details").as_object();
  EXPECT_EQ(details.at("count").as_int64(), 4);
  EXPECT_EQ(details.at("found").as_int64(), found);
  EXPECT_EQ(details.at("tokens").as_array().size(), 4u);

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
  for (const char* v : {kCardDigits, kEmail, kNote})
    EXPECT_EQ(created.body.find(v), std::string::npos);
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
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"audit"})").status,
            200);
  const std::string before = Call("GET", "/vault/records", "alice").body;
  ExpectProblem(Create(RecordBody()), 423);
  // Bad input is 422 whatever the state, as for a PATCH of the workspace.
  ExpectProblem(Create(R"({"fields":{"x":{"type":"nope"}}})"), 422);
  ExpectProblem(Call("DELETE", "/vault/records/" + id, "alice"), 423);
  EXPECT_EQ(Call("GET", "/vault/records", "alice").body, before);
  EXPECT_EQ(Detokenize({TokenOf(created, "card")}, "alice").status, 200);  // a read
  EXPECT_EQ(Events("vault.record.create"), 1);
  EXPECT_EQ(Events("vault.record.delete"), 0);
}

// A create refused by the state makes no data key, with an Idempotency-Key
// too (its keyed fingerprint made the workspace's key before the state was
// checked; outside audit), and a bad body there is still 422 first.
TEST_F(Vault, ARefusedCreateInAFrozenWorkspaceMakesNoDataKey) {
  StartOn();
  CreateWorkspace();
  const std::string keys =
      "SELECT COUNT(*) FROM workspace_data_keys WHERE workspace_id = '" + ws_ + "'";
  ASSERT_EQ(CountRows(server_->data_dir(), keys), 0) << "no value was written yet";
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"audit"})").status,
            200);
  const auto create = [&](const std::string& key, const std::string& body) {
    return c_->Send("POST", "/v1/workspaces/" + ws_ + "/vault/records",
                    {{"Authorization", "Bearer " + server_->Token("alice")},
                     {"Content-Type", "application/json"},
                     {"Idempotency-Key", key}},
                    body);
  };
  ExpectProblem(create("fz-1", RecordBody()), 423);
  ExpectProblem(create("fz-2", R"({"fields":{"x":{"type":"nope"}}})"), 422);
  EXPECT_EQ(CountRows(server_->data_dir(), keys), 0);
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"active"})").status, 200);
  // The refusal kept nothing under its key: the same key runs again.
  const HttpResponse made = create("fz-1", RecordBody());
  EXPECT_EQ(made.status, 201);
  EXPECT_EQ(CountRows(server_->data_dir(), keys), 1);
  // A create answered before the workspace was frozen (or deleted) is still
  // replayed under its key (the state's refusal is for new writes).
  ASSERT_EQ(Call("PATCH", "/status", "alice", R"({"status":"frozen","reason":"again"})").status,
            200);
  const HttpResponse replayed = create("fz-1", RecordBody());
  EXPECT_EQ(replayed.status, 201) << replayed.body;
  EXPECT_EQ(replayed.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(replayed.body, made.body);
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
  // Present with the wrong type: one error for it, not also "required".
  for (const std::string body : {R"({"fields":{"t":{"type":"text","value":null}}})",
                                 R"({"fields":{"t":{"type":1,"value":"v"}}})"}) {
    r = Create(body);
    ExpectProblem(r, 422);
    EXPECT_EQ(fields(r),
              body.find("null") != std::string::npos ? "fields.t.value " : "fields.t.type ")
        << r.body;
  }
  r = Create(R"({"fields":{"a":{"type":"text","value":"v","deterministic":"yes","extra":1}}})");
  EXPECT_EQ(fields(r), "fields.a.deterministic fields.a.extra ");
  ExpectProblem(Create(R"({"fields":{}})"), 422);
  std::string many = R"({"fields":{)";
  for (int i = 0; i < 33; ++i)
    many += (i ? ",\"f" : "\"f") + std::to_string(i) + R"(":{"type":"text","value":"v"})";
  ExpectProblem(Create(many + "}}"), 422);
  ExpectProblem(
      Create(R"({"fields":{"a":{"type":"text","value":"1"},"a":{"type":"text","value":"2"}}})"),
      400);
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
  ExpectProblem(Call("POST", "/vault/detokenize", "alice", R"({"tokens":["a"],"tokens":["b"]})"),
                400);
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
  EXPECT_EQ(
      Json(Call("GET", "/vault/records", "alice").body).as_object().at("records").as_array().size(),
      0u);
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
  ExpectProblem(
      Create(std::string(R"({"fields":{"note":{"type":"phone","value":")") + kNote + "\"}}}"), 422);
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

}  // namespace
// Concurrent DELETEs of one record delete it once (secrets_test.cc has
// the same for a secret).
TEST_F(Vault, ConcurrentDeletesOfOneRecordDeleteItOnce) {
  StartOn();
  CreateWorkspace();
  const std::string token = server_->Token("alice");
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    const HttpResponse r = Create(RecordBody());
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string id(Json(r.body).at("id").as_string());
    const std::vector<int> statuses =
        DeleteAtOnce(server_->port(), token, "/v1/workspaces/" + ws_ + "/vault/records/" + id, 8);
    EXPECT_EQ(std::ranges::count(statuses, 204), 1) << id;
    EXPECT_EQ(std::ranges::count(statuses, 404), 7) << id;
  }
  EXPECT_EQ(Events("vault.record.delete"), kRounds);
}

}  // namespace workspaced::testing
