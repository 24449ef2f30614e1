// Integrity (issue 14): a damaged database is refused at start and reported
// by the deep readiness check; a damaged audit row is never served as
// invalid JSON; pagination cursors are signed, bound to their list and good
// on every process of one database; memberships honour If-Match.
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

namespace fs = std::filesystem;
using model::WorkspaceRole;

bool OnPostgres() { return std::getenv("WS_BLACKBOX_POSTGRES") != nullptr; }

std::string Detail(const HttpResponse& r) {
  const auto v = Json(r.body);
  return v.is_object() && v.as_object().contains("detail")
             ? std::string(v.as_object().at("detail").as_string())
             : "";
}

// The target of a `Link: <…>; rel="next"` header ("" when there is none).
std::string NextOf(const HttpResponse& r) {
  const std::string link = r.Header("Link");
  if (link.empty()) return "";
  return link.substr(1, link.find('>') - 1);
}

std::string CursorOf(const std::string& next) {
  const std::size_t at = next.find("cursor=");
  return at == std::string::npos ? "" : next.substr(at + 7, next.find('&', at) - at - 7);
}

std::vector<std::string> Ids(const HttpResponse& r) {
  std::vector<std::string> ids;
  const auto list = Json(r.body);
  for (const auto& w : list.as_array()) ids.emplace_back(w.as_object().at("id").as_string());
  return ids;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Integrity : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start(const std::string& config = "", const std::string& data_dir = "") {
    ServerProcess::Options o;
    o.config_json = config;
    o.data_dir = data_dir;
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    c_ = std::make_unique<HttpClient>(server_->port());
  }
  void Seed() {
    acme_ = seed_->Account("Acme", "alice");
    globex_ = seed_->Account("Globex", "alice");
    ws_ = seed_->Workspace(acme_, "Prod");
    other_ws_ = seed_->Workspace(acme_, "Dev");
    seed_->Member(ws_, "wanda", WorkspaceRole::kAdmin);
    seed_->Member(other_ws_, "wanda", WorkspaceRole::kAdmin);
    seed_->AuditEvents(ws_, 5, R"({"role":"viewer"})");
    seed_->AuditEvents(other_ws_, 5, R"({"role":"viewer"})");
  }

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "") {
    return CallAs(*c_, *server_, method, path, who, body);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> c_;
  std::string acme_, globex_, ws_, other_ws_;
};

// --- cursors ---

TEST_F(Integrity, ForgedAndTamperedCursorsAre400WithAPreciseDetail) {
  Seed();
  const std::string base = "/v1/workspaces/by-account/" + acme_;
  const HttpResponse first = Call("GET", base + "?limit=1", "alice");
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string cursor = CursorOf(NextOf(first));
  ASSERT_FALSE(cursor.empty()) << first.Header("Link");
  // Forged: the id of a workspace, encoded as the old cursors were.
  const std::string forged =
      "YzE6" + std::string("MDE5MGM1YTItMTExMS03MDAwLTgwMDAtMDAwMDAwMDAwMDAx");
  const HttpResponse f = Call("GET", base + "?cursor=" + forged, "alice");
  ExpectProblem(f, 400);
  EXPECT_NE(Detail(f).find("cursor"), std::string::npos) << f.body;
  // Tampered: one character changed, in the middle (the position) and near
  // the end (the MAC). Not the last character: in unpadded base64url it may
  // carry only 2 or 4 bits, and a change there can make the encoding
  // non-canonical, which is "malformed", not "altered".
  for (const std::size_t at : {cursor.size() / 2, cursor.size() - 2}) {
    std::string tampered = cursor;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    const HttpResponse t = Call("GET", base + "?cursor=" + tampered, "alice");
    ExpectProblem(t, 400);
    EXPECT_NE(Detail(t).find("altered"), std::string::npos) << t.body;
  }
  // Truncated, and too long.
  const HttpResponse cut = Call("GET", base + "?cursor=" + cursor.substr(0, 40), "alice");
  ExpectProblem(cut, 400);
  EXPECT_NE(Detail(cut).find("truncated"), std::string::npos) << cut.body;
  const HttpResponse long_one =
      Call("GET", base + "?cursor=" + cursor + std::string(1400, 'A'), "alice");
  ExpectProblem(long_one, 400);
  EXPECT_NE(Detail(long_one).find("too long"), std::string::npos) << long_one.body;
}

TEST_F(Integrity, ACursorIsGoodOnlyForTheListThatGaveIt) {
  Seed();
  seed_->Workspace(globex_, "G1");
  seed_->Workspace(globex_, "G2");
  seed_->Member(ws_, "alice", WorkspaceRole::kAdmin);
  seed_->Member(other_ws_, "alice", WorkspaceRole::kAdmin);
  const std::string acme_cursor =
      CursorOf(NextOf(Call("GET", "/v1/workspaces/by-account/" + acme_ + "?limit=1", "alice")));
  const std::string audit_cursor =
      CursorOf(NextOf(Call("GET", "/v1/workspaces/" + ws_ + "/audit?limit=1", "alice")));
  const std::string mine_cursor = CursorOf(NextOf(Call("GET", "/v1/workspaces?limit=1", "alice")));
  ASSERT_FALSE(acme_cursor.empty() || audit_cursor.empty() || mine_cursor.empty());
  const std::vector<std::pair<std::string, std::string>> misuses = {
      {"/v1/workspaces/by-account/" + globex_, acme_cursor},     // another account's list
      {"/v1/workspaces", acme_cursor},                           // another endpoint
      {"/v1/workspaces/" + ws_ + "/audit", acme_cursor},         // another endpoint
      {"/v1/workspaces/" + other_ws_ + "/audit", audit_cursor},  // another workspace's log
      {"/v1/workspaces/by-account/" + acme_, audit_cursor},
      {"/v1/workspaces/by-account/" + acme_, mine_cursor},
  };
  for (const auto& [path, cursor] : misuses) {
    const HttpResponse r = Call("GET", path + "?cursor=" + cursor, "alice");
    ExpectProblem(r, 400);
    EXPECT_NE(Detail(r).find("another list"), std::string::npos) << path << ": " << r.body;
  }
  // Another caller's list of workspaces is another list.
  seed_->Member(ws_, "bob", WorkspaceRole::kViewer);
  const HttpResponse bob = Call("GET", "/v1/workspaces?cursor=" + mine_cursor, "bob");
  ExpectProblem(bob, 400);
  // Each in its own list pages on.
  EXPECT_EQ(
      Call("GET", "/v1/workspaces/by-account/" + acme_ + "?cursor=" + acme_cursor, "alice").status,
      200);
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_ + "/audit?cursor=" + audit_cursor, "alice").status,
            200);
}

// Pages through an account's list and a workspace's log; every cursor is
// then followed again by a second server process on the same database
// (after the first has stopped): it reads them as the first did.
TEST_F(Integrity, CursorsPageThroughAndWorkOnAnotherProcessOfTheSameDatabase) {
  Seed();
  std::vector<std::string> all{ws_, other_ws_};
  for (int i = 0; i < 4; ++i) all.push_back(seed_->Workspace(acme_, "More " + std::to_string(i)));
  std::map<std::string, std::string> pages;  // target → body, as the first process answered
  std::vector<std::string> seen;
  for (std::string next = "/v1/workspaces/by-account/" + acme_ + "?limit=2"; !next.empty();) {
    const HttpResponse r = Call("GET", next, "alice");
    ASSERT_EQ(r.status, 200) << next << ": " << r.body;
    for (const auto& id : Ids(r)) seen.push_back(id);
    pages[next] = r.body;
    next = NextOf(r);
    ASSERT_LT(pages.size(), 10u);
  }
  EXPECT_EQ(seen, all);
  int audit_events = 0;
  for (std::string next = "/v1/workspaces/" + ws_ + "/audit?limit=2&action=member.put";
       !next.empty();) {
    const HttpResponse r = Call("GET", next, "alice");
    ASSERT_EQ(r.status, 200) << next << ": " << r.body;
    audit_events += static_cast<int>(Json(r.body).as_array().size());
    pages[next] = r.body;
    next = NextOf(r);
    ASSERT_LT(pages.size(), 20u);
  }
  EXPECT_EQ(audit_events, 5);

  ASSERT_EQ(server_->Stop(), 0);
  auto second = ServerProcess::Start({.data_dir = server_->data_dir()});
  HttpClient c(second->port());
  const std::string token = second->Token("alice");
  for (const auto& [target, body] : pages) {
    const HttpResponse r = c.Get(target, token);
    ASSERT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(r.body, body) << target;
  }
}

// --- If-Match on memberships ---

// GET, PUT and DELETE of one member of `base` (/v1/workspaces/ID or
// /v1/accounts/ID) by `admin`, with stale, valid and absent If-Match.
void MembersHonourIfMatch(HttpClient& c, const ServerProcess& server, const std::string& base,
                          const std::string& admin) {
  const auto call = [&](const std::string& method, const std::string& path, const std::string& body,
                        const std::string& if_match) {
    std::vector<std::pair<std::string, std::string>> extra;
    if (!if_match.empty()) extra.emplace_back("If-Match", if_match);
    return CallAs(c, server, method, path, admin, body, std::move(extra));
  };
  const std::string member = base + "/members/mia";
  const std::string as_member = R"({"role":"member"})";
  const std::string as_admin = R"({"role":"admin"})";
  // A subject that is not a member has no ETag: any If-Match fails.
  ExpectProblem(call("PUT", member, as_member, "*"), 412);
  ExpectProblem(call("PUT", member, as_member, "\"member.1\""), 412);
  EXPECT_EQ(call("GET", member, "", "").status, 404);
  // Created without If-Match: the answer has the membership's ETag, as GET.
  const HttpResponse created = call("PUT", member, as_member, "");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string etag = created.Header("ETag");
  ASSERT_FALSE(etag.empty());
  const HttpResponse got = call("GET", member, "", "");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Header("ETag"), etag);
  // The same tag again: the role changes, and so does the tag.
  const HttpResponse promoted = call("PUT", member, as_admin, etag);
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  const std::string promoted_etag = promoted.Header("ETag");
  EXPECT_NE(promoted_etag, etag);
  // The first tag is stale now: 412 naming the current one, nothing changed.
  const HttpResponse stale = call("PUT", member, as_member, etag);
  ExpectProblem(stale, 412);
  EXPECT_NE(Detail(stale).find(promoted_etag), std::string::npos) << stale.body;
  EXPECT_EQ(call("GET", member, "", "").Header("ETag"), promoted_etag);
  ExpectProblem(call("DELETE", member, "", etag), 412);
  ExpectProblem(call("DELETE", member, "", "W/" + promoted_etag), 412);  // strong comparison
  EXPECT_EQ(call("GET", member, "", "").status, 200);
  // `*` and a list holding the current tag match; without If-Match the
  // change is unconditional.
  EXPECT_EQ(call("PUT", member, as_admin, "*").status, 200);
  EXPECT_EQ(call("PUT", member, as_admin, "\"x\", " + promoted_etag).status, 200);
  const HttpResponse plain = call("PUT", member, as_member, "");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(call("DELETE", member, "", plain.Header("ETag")).status, 204);
  EXPECT_EQ(call("GET", member, "", "").status, 404);
  // Removed and added again: another membership, another tag.
  const HttpResponse again = call("PUT", member, as_member, "");
  ASSERT_EQ(again.status, 201);
  EXPECT_NE(again.Header("ETag"), plain.Header("ETag"));
  ExpectProblem(call("DELETE", member, "", plain.Header("ETag")), 412);
  EXPECT_EQ(call("DELETE", member, "", "").status, 204);
}

TEST_F(Integrity, WorkspaceMembersHonourIfMatch) {
  Seed();
  MembersHonourIfMatch(*c_, *server_, "/v1/workspaces/" + ws_, "wanda");
  // Every refused change left no audit event; each made one did, and the
  // two PUTs of the role mia already had changed nothing (no event).
  EXPECT_EQ(
      CountRows(server_->data_dir(),
                "SELECT COUNT(*) FROM audit_events WHERE target_id = 'mia' AND workspace_id = '" +
                    ws_ + "'"),
      6);
}

TEST_F(Integrity, AccountMembersHonourIfMatch) {
  Seed();
  MembersHonourIfMatch(*c_, *server_, "/v1/accounts/" + acme_, "alice");
}

// --- damaged audit rows ---

TEST_F(Integrity, ADamagedAuditRowIsA500ProblemNeverInvalidJson) {
  Seed();
  const std::string path = "/v1/workspaces/" + ws_ + "/audit";
  ASSERT_EQ(Call("GET", path, "wanda").status, 200);
  const long long seq = QueryNumber(
      server_->data_dir(), "SELECT MAX(seq) FROM audit_events WHERE workspace_id = '" + ws_ + "'");
  std::vector<std::string> damages = {R"({"role":"vie)", R"(["role"])", "nul\x01"};
  // PostgreSQL stores only UTF-8 text; an SQLite file can hold any bytes.
  if (!OnPostgres()) damages.push_back("{\"role\":\"v\xff\"}");
  for (const std::string& damage : damages) {
    ExecSql(server_->data_dir(), "UPDATE audit_events SET details = '" + damage +
                                     "' WHERE seq = " + std::to_string(seq));
    const HttpResponse r = Call("GET", path, "wanda");
    ExpectProblem(r, 500);
    // Nothing internal: not the event, not the column, not the bytes.
    for (const char* secret : {"details", "audit event", "seq", "vie"})
      EXPECT_EQ(Detail(r).find(secret), std::string::npos) << r.body;
  }
  // Pages that do not hold the damaged event are served as before.
  const HttpResponse older = Call("GET", path + "?until=2023-11-14T22:13:20.000000Z", "wanda");
  EXPECT_EQ(older.status, 200) << older.body;
  Json(older.body);
}

TEST_F(Integrity, ADamagedAuditRowCutsTheExportShortWithoutItsLastChunk) {
  Seed();
  const long long seq =
      QueryNumber(server_->data_dir(), "SELECT MIN(seq) FROM audit_events WHERE workspace_id = '" +
                                           ws_ + "' AND action = " + "'member.put'");
  ExecSql(server_->data_dir(),
          "UPDATE audit_events SET details = '{\"role\":' WHERE seq = " + std::to_string(seq));
  for (const char* format : {"json", "ndjson", "csv"}) {
    const std::string raw = HttpClient::Raw(
        server_->port(), "GET /v1/workspaces/" + ws_ + "/export?format=" + format +
                             " HTTP/1.1\r\nHost: t\r\nX-Request-Id: damaged-" + format +
                             "\r\nAuthorization: Bearer " + server_->Token("wanda") + "\r\n\r\n");
    ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw.substr(0, 200);
    EXPECT_NE(raw.find("Transfer-Encoding: chunked"), std::string::npos);
    // The sections before the audit events went out, then the connection
    // closed without the terminating zero-length chunk.
    EXPECT_NE(raw.find("environments"), std::string::npos) << format;
    const std::string last_chunk = "\r\n0\r\n\r\n";
    EXPECT_FALSE(raw.size() >= last_chunk.size() &&
                 raw.compare(raw.size() - last_chunk.size(), last_chunk.size(), last_chunk) == 0)
        << format << ": ends " << raw.substr(raw.size() > 80 ? raw.size() - 80 : 0);
    EXPECT_EQ(raw.find("{\"role\":\r\n"), std::string::npos) << format;
    // The access log says the server cut it (the status it had sent), not
    // that the client left.
    const std::string id = "\"request_id\":\"damaged-" + std::string(format) + "\"";
    std::string line;
    EXPECT_TRUE(Eventually(
        [&] {
          const std::string out = server_->Output();
          for (std::size_t at = out.find(id); at != std::string::npos; at = out.find(id, at + 1)) {
            const std::size_t from = out.rfind('\n', at) + 1;
            const std::string l = out.substr(from, out.find('\n', at) - from);
            if (l.find("\"bytes_out\"") != std::string::npos) line = l;
          }
          return !line.empty();
        },
        10))
        << format;
    EXPECT_NE(line.find("\"status\":200"), std::string::npos) << line;
    EXPECT_NE(line.find("\"aborted\":\"stream_failed\""), std::string::npos) << line;
  }
  // The server goes on: a fresh connection is served.
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_, "wanda").status, 200);
}

// A header may hold any bytes: the audit log stores them as text (each byte
// that is not printable UTF-8 written as the four characters \xHH, as the
// logs do: docs/audit.md), which PostgreSQL accepts and every reader parses.
TEST_F(Integrity, AUserAgentThatIsNotUtf8IsAuditedAndComesBackAsJson) {
  Seed();
  const std::string body = R"({"role":"viewer"})";
  const std::string raw = HttpClient::Raw(
      server_->port(),
      "PUT /v1/workspaces/" + ws_ + "/members/ua HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
          server_->Token("wanda") + "\r\nUser-Agent: ab\xff\xfe" +
          "cd\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body);
  ASSERT_EQ(raw.rfind("HTTP/1.1 201", 0), 0u) << raw.substr(0, 200);
  const HttpResponse r = Call("GET", "/v1/workspaces/" + ws_ + "/audit?limit=1", "wanda");
  ASSERT_EQ(r.status, 200);
  const auto events = Json(r.body);  // strict: fails on bytes that are not UTF-8
  ASSERT_TRUE(events.is_array() && !events.as_array().empty()) << r.body;
  EXPECT_EQ(events.as_array()[0].as_object().at("user_agent").as_string(),
            "ab\\xff\\xfecd");
}

// --- the database check at start and in /readyz?deep=1 ---

// Overwrites bytes in the middle of one page after another, from the middle
// of the file on, until SQLite's own integrity_check calls the file damaged
// (as an operator's check would); returns that file's bytes.
std::string DamageUntilIntegrityCheckFails(const std::string& path) {
  const std::string clean = ReadAll(path);
  constexpr std::size_t kPage = 4096;
  for (std::size_t page = clean.size() / kPage / 2; (page + 1) * kPage <= clean.size(); ++page) {
    std::string bytes = clean;
    for (std::size_t i = 0; i < 64; ++i)
      bytes[page * kPage + kPage / 2 + i] = static_cast<char>(0xA5 ^ i);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    sqlite3* raw = nullptr;
    // Immutable: the oracle leaves nothing beside the file either.
    sqlite3_open_v2(("file:" + path + "?mode=ro&immutable=1").c_str(), &raw,
                    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    sqlite3_stmt* stmt = nullptr;
    std::string verdict = "error";
    if (sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      verdict = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    if (verdict != "ok") return bytes;
  }
  ADD_FAILURE() << "no damage found that integrity_check reports";
  return clean;
}

TEST_F(Integrity, ADamagedDatabaseFileIsRefusedAtStartNamingItAndLeftAsItWas) {
  if (OnPostgres()) GTEST_SKIP() << "an SQLite file";
  Seed();
  for (int i = 0; i < 20; ++i) seed_->Workspace(acme_, "Filler " + std::to_string(i));
  seed_.reset();
  ASSERT_EQ(server_->Stop(), 0);
  // A copy of the real database, alone in a fresh data directory (no key,
  // no dataplanes), damaged.
  TempDir copy;
  const std::string dir = copy.path() + "/data";
  fs::create_directories(dir);
  const std::string db = dir + "/" + app::kDatabaseFile;
  fs::copy_file(server_->data_dir() + "/" + app::kDatabaseFile, db);
  const std::string damaged = DamageUntilIntegrityCheckFails(db);

  const CommandResult r = RunWorkspaced({"serve", "--listen", "127.0.0.1:0", "--data-dir", dir});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find(db), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("damaged"), std::string::npos) << r.out << r.err;
  // Nothing written: the file as it was, and nothing beside it.
  EXPECT_TRUE(ReadAll(db) == damaged);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{app::kDatabaseFile});
  // Every command that opens the database refuses it the same way.
  const CommandResult verify = RunWorkspaced({"audit", "verify", "--data-dir", dir});
  EXPECT_NE(verify.exit_code, 0);
  EXPECT_NE(verify.err.find(db), std::string::npos) << verify.err;
  EXPECT_TRUE(ReadAll(db) == damaged);
}

TEST_F(Integrity, DeepReadyzReportsEachCheckAndReusesItsResult) {
  const HttpResponse shallow = c_->Get("/readyz");
  ASSERT_EQ(shallow.status, 200);
  EXPECT_EQ(Json(shallow.body).as_object().at("status").as_string(), "ready");
  const HttpResponse deep = c_->Get("/readyz?deep=1");
  ASSERT_EQ(deep.status, 200) << deep.body;
  const auto body = Json(deep.body).as_object();
  EXPECT_EQ(body.at("status").as_string(), "ready");
  EXPECT_EQ(body.at("checks").as_object().at("database").as_string(), "ok");
  EXPECT_EQ(body.at("checks").as_object().at("dataplanes").as_string(), "ok");
  EXPECT_FALSE(body.at("checks").as_object().contains("spicedb"));  // none configured
  // Called again at once: the same result (the check ran once).
  for (int i = 0; i < 20; ++i) EXPECT_EQ(c_->Get("/readyz?deep=1").body, deep.body);
  for (const char* bad : {"/readyz?deep=2", "/readyz?deep=1&deep=1", "/readyz?verbose=1"})
    ExpectProblem(c_->Get(bad), 400);
}

TEST_F(Integrity, DeepReadyzFailsNamingWhatFailed) {
  TempDir data;
  const std::string cells =
      R"({"integrity":{"readyz_interval_ms":1000},"spicedb":{"target":"embedded","library":")" WS_SPICEDB_LIBRARY
      R"("},"cells":{"us-west-2":"host=127.0.0.1 port=1 connect_timeout=2"}})";
  Start(cells, data.path() + "/data");
  const HttpResponse cell = c_->Get("/readyz?deep=1");
  ExpectProblem(cell, 503);
  EXPECT_EQ(Detail(cell), "not ready: the dataplane of region us-west-2 is unreachable");
  EXPECT_FALSE(cell.Header("Retry-After").empty());
  EXPECT_EQ(c_->Get("/readyz").status, 200);  // the shallow check asks the database only

  // A table gone from the control-plane database (both backends).
  ASSERT_EQ(server_->Stop(), 0);
  Start(
      R"({"integrity":{"readyz_interval_ms":1000},"spicedb":{"target":"embedded","library":")" WS_SPICEDB_LIBRARY
      R"("}})",
      data.path() + "/data");
  const HttpResponse ok = c_->Get("/readyz?deep=1");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Json(ok.body).as_object().at("checks").as_object().at("spicedb").as_string(), "ok");
  ExecSql(server_->data_dir(), "DROP TABLE leases");
  ASSERT_TRUE(Eventually([&] { return c_->Get("/readyz?deep=1").status == 503; }, 10));
  const HttpResponse gone = c_->Get("/readyz?deep=1");
  ExpectProblem(gone, 503);
  EXPECT_EQ(Detail(gone), "not ready: the database failed its integrity check");
  // Nor will a server start on it.
  ASSERT_EQ(server_->Stop(), 0);
  if (OnPostgres()) {
    const CommandResult r =
        RunWorkspaced({"serve", "--listen", "127.0.0.1:0", "--data-dir", server_->data_dir()});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("missing table leases"), std::string::npos) << r.out << r.err;
  }
}

}  // namespace
}  // namespace workspaced::testing
