// Hostile input (issue 14): what a client or another tenant sends must not
// come back out as something else — a formula in a spreadsheet, a forged log
// field, a credential in the access log — and what the server accepts is
// exactly what the spec says.
#include <sys/stat.h>

#include <chrono>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "blackbox/provisioning_support.h"

namespace workspaced::testing {
namespace {

using model::WorkspaceRole;

class Hygiene : public ::testing::Test {
 protected:
  void Start(const std::string& config = "") {
    ServerProcess::Options o;
    o.config_json = config;
    server_ = ServerProcess::Start(o);
    seed_ = std::make_unique<Seeder>(server_->data_dir());
    acme_ = seed_->Account("Acme", "alice");
    ws_ = seed_->Workspace(acme_, "Prod");
    seed_->Member(ws_, "wanda", WorkspaceRole::kAdmin);
    seed_->Member(ws_, "vic", WorkspaceRole::kViewer);
    c_ = std::make_unique<HttpClient>(server_->port());
  }
  void SetUp() override { Start(); }

  HttpResponse Call(const std::string& method, const std::string& path, const std::string& who,
                    const std::string& body = "",
                    std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> h{
        {"Authorization", "Bearer " + server_->Token(who)}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    for (auto& e : extra) h.push_back(std::move(e));
    return c_->Send(method, path, h, body);
  }
  long long Audited(const std::string& action) {
    return CountRows(server_->data_dir(),
                     "SELECT COUNT(*) FROM audit_events WHERE action = '" + action + "'");
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> c_;
  std::string acme_, ws_;
};

// RFC 4180 parsing of one CSV document: rows of fields.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      in_quotes = quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
      quoted = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      if (!field.empty() || quoted || !rows.back().empty()) rows.back().push_back(field);
      field.clear();
      quoted = false;
      rows.emplace_back();
      ++i;
    } else {
      field.push_back(c);
    }
  }
  return rows;
}

TEST_F(Hygiene, CsvExportNeutralisesFormulaCellsInEveryTextColumn) {
  // Another tenant plants a formula through its User-Agent on a denied
  // request: the refusal is audited on this workspace.
  const HttpResponse denied = c_->Send("GET", "/v1/workspaces/" + ws_,
                                       {{"Authorization", "Bearer " + server_->Token("mallory")},
                                        {"User-Agent", "=HYPERLINK(\"http://evil.test/\",\"x\")"}});
  ASSERT_EQ(denied.status, 404);
  // On the record just after its answer (docs/audit.md).
  ASSERT_TRUE(Eventually([&] { return Audited("authz.denied") == 1; }));
  // A workspace admin plants some through a created workspace's name and label.
  const HttpResponse created =
      Call("POST", "/v1/workspaces", "alice",
           CreateBody(acme_, "=1+2", R"x(,"labels":{"team":"@SUM(A1)","cost":"-2+3"})x"));
  ASSERT_EQ(created.status, 202) << created.body;
  const std::string made(
      Json(created.body).as_object().at("workspace").as_object().at("id").as_string());

  for (const std::string& id : {ws_, made}) {
    const HttpResponse r =
        Call("GET", "/v1/workspaces/" + id + "/export?format=csv", id == ws_ ? "wanda" : "alice");
    ASSERT_EQ(r.status, 200) << r.body;
    bool saw_agent = false, saw_name = false;
    for (const auto& row : ParseCsv(r.body)) {
      for (const std::string& cell : row) {
        ASSERT_TRUE(cell.empty() || std::string("=+-@\t\r").find(cell.front()) == std::string::npos)
            << "formula-like cell: " << cell;
        saw_agent = saw_agent || cell == "'=HYPERLINK(\"http://evil.test/\",\"x\")";
        saw_name = saw_name || cell == "'=1+2";
      }
    }
    if (id == ws_) {
      EXPECT_TRUE(saw_agent) << r.body.substr(r.body.find("# audit_events"));
    }
    if (id == made) {
      EXPECT_TRUE(saw_name) << r.body.substr(0, 600);
    }
  }
  // JSON keeps the values as they are.
  const HttpResponse json = Call("GET", "/v1/workspaces/" + made + "/export?format=json", "alice");
  EXPECT_EQ(Json(json.body).as_object().at("workspace").as_object().at("name").as_string(), "=1+2");
}

TEST_F(Hygiene, ExportNegotiatesMediaRangesCaseInsensitivelyAndVariesOnAccept) {
  const auto type_for = [&](const std::string& accept) {
    const HttpResponse r =
        Call("GET", "/v1/workspaces/" + ws_ + "/export", "vic", "", {{"Accept", accept}});
    EXPECT_EQ(r.status, 200) << accept << ": " << r.body;
    EXPECT_EQ(r.Header("Vary"), "Accept") << accept;
    return r.Header("Content-Type");
  };
  EXPECT_EQ(type_for("text/*"), "text/csv; charset=utf-8");
  EXPECT_EQ(type_for("TEXT/CSV"), "text/csv; charset=utf-8");
  EXPECT_EQ(type_for("application/*"), "application/json");
  EXPECT_EQ(type_for("Application/X-NDJSON"), "application/x-ndjson");
  EXPECT_EQ(type_for("application/json;q=0.5, text/csv"), "text/csv; charset=utf-8");
  EXPECT_EQ(type_for("*/*;q=0.1, application/x-ndjson;q=0.9"), "application/x-ndjson");
  EXPECT_EQ(type_for("*/*"), "application/json");
  ExpectProblem(Call("GET", "/v1/workspaces/" + ws_ + "/export", "vic", "",
                     {{"Accept", "application/xml, text/csv;q=0"}}),
                406);
}

TEST_F(Hygiene, HeadOnTheExportIsNotAudited) {
  const HttpResponse head = Call("HEAD", "/v1/workspaces/" + ws_ + "/export?format=csv", "vic");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(Audited("workspace.export"), 0);
  ExpectProblem(Call("GET", "/v1/workspaces/" + ws_ + "/export", "mallory"), 404);
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_ + "/export", "vic").status, 200);
  EXPECT_EQ(Audited("workspace.export"), 1);
}

TEST_F(Hygiene, EveryResponseIsNosniffAndAuthenticatedOnesAreNotStored) {
  const HttpResponse health = c_->Get("/healthz");
  EXPECT_EQ(health.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(health.Header("Cache-Control"), "");
  const HttpResponse ok = Call("GET", "/v1/workspaces/" + ws_, "vic");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(ok.Header("Cache-Control"), "no-store");
  const HttpResponse missing = Call("GET", "/v1/workspaces/" + ws_, "mallory");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("Cache-Control"), "no-store");
  EXPECT_EQ(missing.Header("X-Content-Type-Options"), "nosniff");
  const HttpResponse anonymous = c_->Get("/v1/workspaces/" + ws_);
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.Header("Cache-Control"), "no-store");
  const HttpResponse nowhere = c_->Get("/nowhere");
  EXPECT_EQ(nowhere.Header("X-Content-Type-Options"), "nosniff");
  const HttpResponse exported = Call("GET", "/v1/workspaces/" + ws_ + "/export", "vic");
  EXPECT_EQ(exported.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(exported.Header("Cache-Control"), "no-store");
}

TEST_F(Hygiene, GroupMappingsHonourIfMatch) {
  const std::string path = "/v1/workspaces/" + ws_ + "/group-mappings";
  const std::string etag = Call("GET", "/v1/workspaces/" + ws_, "wanda").Header("ETag");
  ASSERT_FALSE(etag.empty());
  const std::string body = R"([{"group_name":"eng","role":"viewer"}])";
  ExpectProblem(Call("PUT", path, "wanda", body, {{"If-Match", "\"v999\""}}), 412);
  EXPECT_EQ(Audited("workspace.group_mappings.put"), 0);
  const HttpResponse put = Call("PUT", path, "wanda", body, {{"If-Match", etag}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.Header("ETag"), etag);
  ExpectProblem(Call("PUT", path, "wanda", "[]", {{"If-Match", etag}}), 412);  // stale now
  const HttpResponse cleared = Call("PUT", path, "wanda", "[]", {{"If-Match", put.Header("ETag")}});
  EXPECT_EQ(cleared.status, 200);
  // The mappings it already has: nothing changes, the ETag included.
  const HttpResponse again = Call("PUT", path, "wanda", "[]", {{"If-Match", "*"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.Header("ETag"), cleared.Header("ETag"));
  EXPECT_EQ(Audited("workspace.group_mappings.put"), 2);
}

TEST_F(Hygiene, UppercaseUuidsInPathsNameTheSameWorkspace) {
  std::string upper = ws_;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const HttpResponse r = Call("GET", "/v1/workspaces/" + upper, "vic");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("id").as_string(), ws_);
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + upper + "/export", "vic").status, 200);
  ExpectProblem(Call("GET", "/v1/workspaces/" + upper, "mallory"), 404);
}

TEST_F(Hygiene, NamesCountCharactersAndRefuseInvisibleControls) {
  std::string rockets;
  for (int i = 0; i < 60; ++i) rockets += "\xf0\x9f\x9a\x80";  // 240 bytes, 60 characters
  HttpResponse r = Call("POST", "/v1/workspaces", "alice", CreateBody(acme_, rockets));
  ASSERT_EQ(r.status, 202) << r.body;
  std::string too_long;
  for (int i = 0; i < 201; ++i) too_long += "\xc3\xa9";
  ExpectProblem(Call("POST", "/v1/workspaces", "alice", CreateBody(acme_, too_long)), 422);
  for (const char* bad : {"a\\u0085b", "a\\u009fb", "pay\\u202egnp.exe", "a\\u2066b\\u2069"}) {
    const HttpResponse refused = Call("POST", "/v1/workspaces", "alice", CreateBody(acme_, bad));
    ExpectProblem(refused, 422);
    EXPECT_NE(refused.body.find("\"name\""), std::string::npos) << bad << ": " << refused.body;
  }
  ExpectProblem(
      Call("POST", "/v1/accounts", "admin", R"({"name":"Acme\u202eevil","admin":"peter"})"), 422);
  std::string account_name;
  for (int i = 0; i < 200; ++i) account_name += "\xc3\xa9";
  EXPECT_EQ(
      Call("POST", "/v1/accounts", "admin", R"({"name":")" + account_name + R"(","admin":"peter"})")
          .status,
      201);
}

TEST_F(Hygiene, SlugsFollowTheSpecPatternGivenOrGenerated) {
  for (const char* bad : {"9abc", "a--b", "-a", "a-", "A"}) {
    ExpectProblem(Call("POST", "/v1/workspaces", "alice",
                       CreateBody(acme_, "Budget", std::string(R"(,"slug":")") + bad + "\"")),
                  422);
  }
  const HttpResponse r = Call("POST", "/v1/workspaces", "alice", CreateBody(acme_, "2024 Budget"));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Json(r.body).as_object().at("workspace").as_object().at("slug").as_string(),
            "ws-2024-budget");
}

TEST_F(Hygiene, DatabaseAndDataplaneFilesAreTheOwnersOnly) {
  const HttpResponse r = Call("POST", "/v1/workspaces", "alice",
                              CreateBody(acme_, "Files", R"(,"tenancy_model":"dedicated")"));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id(Json(r.body).as_object().at("workspace_id").as_string());
  WaitRun(*c_, server_->Token("alice"),
          std::string(Json(r.body).as_object().at("provisioning_run_id").as_string()));
  const auto mode = [](const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return -1;
    return static_cast<int>(st.st_mode & 0777);
  };
  const std::string dir = server_->data_dir();
  EXPECT_EQ(mode(dir), 0700);
  const std::string dataplane = "/dataplanes/us-east-1/" + id + ".db";
  EXPECT_EQ(mode(dir + dataplane), 0600) << dataplane;
  EXPECT_EQ(mode(dir + "/dataplanes"), 0700);
  EXPECT_EQ(mode(dir + "/dataplanes/us-east-1"), 0700);
  if (BlackboxDatabase(dir).empty()) {  // SQLite: the database and its WAL/SHM
    for (const std::string f : {"", "-wal", "-shm"})
      EXPECT_EQ(mode(dir + "/" + app::kDatabaseFile + f), 0600) << f;
  }
}

// The text log format's escaping is log_test.cc's AppendTextValue (the test
// harness reads the server's JSON lines to find its port).
class HygieneAccessLog : public Hygiene {
 protected:
  void SetUp() override { Start(R"({"access_log":true})"); }
};

TEST_F(HygieneAccessLog, CredentialsInTheQueryAreRedacted) {
  const HttpResponse r = c_->Send("GET", "/v1/workspaces?access_token=sekrit-123&limit=5",
                                  {{"Authorization", "Bearer " + server_->Token("vic")}});
  EXPECT_EQ(r.status, 400) << r.body;  // an unknown parameter, but logged all the same
  ASSERT_TRUE(Eventually(
      [&] {
        return server_->Output().find("/v1/workspaces?REDACTED&limit=5") != std::string::npos;
      },
      5))
      << server_->Output();
  EXPECT_EQ(server_->Output().find("sekrit-123"), std::string::npos);
}

// Lines of the server's output that hold `needle`.
std::vector<std::string> LinesWith(const std::string& output, std::string_view needle) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < output.size()) {
    std::size_t end = output.find('\n', at);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(at, end - at);
    if (line.find(needle) != std::string::npos) lines.push_back(line);
    at = end + 1;
  }
  return lines;
}

TEST_F(HygieneAccessLog, AHugeTargetAndUserAgentCostABoundedLine) {
  const std::string path = "/v1/workspaces/" + std::string(12 * 1024, 'p') + "-marker";
  const HttpResponse r =
      c_->Send("GET", path,
               {{"Authorization", "Bearer not-a-token"}, {"User-Agent", std::string(3000, 'u')}});
  EXPECT_EQ(r.status, 401) << r.body;
  ASSERT_TRUE(Eventually([&] { return !LinesWith(server_->Output(), "pppppppp").empty(); }, 5))
      << server_->Output().substr(0, 2000);
  const std::vector<std::string> lines = LinesWith(server_->Output(), "pppppppp");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_LT(lines[0].size(), 2200u);  // 1 KiB of target, 512 B of agent, the rest
  EXPECT_EQ(lines[0].find("-marker"), std::string::npos);      // cut before the end
  EXPECT_NE(lines[0].find("\xe2\x80\xa6"), std::string::npos)  // … where it was cut
      << lines[0].substr(0, 200);
}

// A response cut short is logged as what cut it: a reader that stops
// reading is cut by the server after limits.write_timeout_ms (the status it
// was sent, "aborted":"write_timeout"), not logged as a client that left
// (499, "aborted":"client_closed").
class HygieneWriteTimeout : public Hygiene {
 protected:
  void SetUp() override { Start(R"({"access_log":true,"limits":{"write_timeout_ms":1500}})"); }

  // The access-log line of the request `id`, once it is written.
  std::string AccessLine(const std::string& id) {
    const std::string needle = "\"request_id\":\"" + id + "\"";
    std::string line;
    EXPECT_TRUE(Eventually(
        [&] {
          for (const std::string& l : LinesWith(server_->Output(), needle))
            if (l.find("\"bytes_out\"") != std::string::npos) line = l;
          return !line.empty();
        },
        20))
        << id;
    return line;
  }
};

TEST_F(HygieneWriteTimeout, AStalledReaderIsCutAsAWriteTimeoutNotAsAClientThatLeft) {
  // Far more than the socket buffers hold: ~13 MiB of NDJSON.
  seed_->AuditEvents(ws_, 400, R"({"pad":")" + std::string(32 * 1024, 'p') + R"("})");
  const auto stall = [&](const std::string& id) {
    const int fd = RequestExportAndStall(server_->port(), ws_, server_->Token("vic"), id);
    char head[4096];
    EXPECT_GT(::recv(fd, head, sizeof head, 0), 12);
    EXPECT_EQ(std::string(head, 12), "HTTP/1.1 200");
    return fd;
  };

  const int leaves = stall("stalled-then-closed");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well within the timeout
  ::close(leaves);
  const std::string left = AccessLine("stalled-then-closed");
  EXPECT_NE(left.find("\"status\":499"), std::string::npos) << left;
  EXPECT_NE(left.find("\"aborted\":\"client_closed\""), std::string::npos) << left;

  const int stays = stall("stalled-past-the-timeout");
  const std::string cut = AccessLine("stalled-past-the-timeout");
  ::close(stays);
  EXPECT_NE(cut.find("\"status\":200"), std::string::npos) << cut;
  EXPECT_NE(cut.find("\"aborted\":\"write_timeout\""), std::string::npos) << cut;
  EXPECT_EQ(cut.find("\"status\":499"), std::string::npos) << cut;

  // A response delivered whole has no "aborted".
  EXPECT_EQ(Call("GET", "/v1/workspaces/" + ws_, "vic", "", {{"X-Request-Id", "whole"}}).status,
            200);
  const std::string whole = AccessLine("whole");
  EXPECT_EQ(whole.find("aborted"), std::string::npos) << whole;
}

// A flood of refusals is not a flood of log: one 429 line per second, which
// counts the ones it stood for.
TEST(HygieneAccessLogFlood, RefusalsWriteAtMostALinePerSecond) {
  ServerProcess::Options options;
  options.config_json =
      R"({"access_log": true, "rate_limits": {"unauthenticated": {"quota": 1, "window_seconds": 3600}}})";
  auto server = ServerProcess::Start(std::move(options));
  HttpClient c(server->port());
  const auto started = std::chrono::steady_clock::now();
  int refused = 0;
  for (int i = 0; i < 200; ++i) refused += c.Get("/v1/workspaces?flood=1").status == 429;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_GE(refused, 190);
  // One answered request after the flood: once its line is out, every line
  // before it is too.
  EXPECT_EQ(c.Get("/v1/workspaces?limit=7", server->Token("vic")).status, 200);
  ASSERT_TRUE(Eventually([&] { return !LinesWith(server->Output(), "limit=7").empty(); }, 5));
  const std::vector<std::string> lines = LinesWith(server->Output(), "\"status\":429");
  EXPECT_LE(static_cast<double>(lines.size()), seconds + 2) << lines.size() << " in " << seconds;
  EXPECT_LT(lines.size(), static_cast<std::size_t>(refused));
  for (const std::string& line : lines)
    EXPECT_NE(line.find("\"unlogged_429s_before\""), std::string::npos) << line;
}

}  // namespace
}  // namespace workspaced::testing
