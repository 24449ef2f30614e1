// `workspaced ws` and `workspaced op` against a real server on loopback: the
// binary as a user runs it, its stdout, stderr and exit code (docs/cli.md).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <set>

#include "blackbox/cli_client_fixture.h"
#include "common/text.h"

namespace workspaced::testing {
namespace {

TEST_F(CliClient, CreateWaitPrintsEveryStepAndTheActiveWorkspace) {
  Start();
  const CommandResult r = Create("Dev");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ws = Json(r.out).as_object();
  EXPECT_EQ(ws.at("status").as_string(), "active");
  EXPECT_EQ(ws.at("labels").as_object().at("team").as_string(), "core");
  for (const auto& step : kSteps)
    EXPECT_NE(r.err.find(step + ": succeeded\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run succeeded"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no terminal redraws off a terminal";
  EXPECT_EQ((r.out + r.err).find(token_), std::string::npos) << "the token is never printed";
}

TEST_F(CliClient, AFailedRunExitsOneWithItsReasonAndRetryWaitsAgain) {
  Start("provision_dataplane=fatal");
  const CommandResult r = Create("Doomed");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("provision_dataplane: failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: provisioning failed at step provision_dataplane"), std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;

  // The run id is on stderr's first line: "workspace <id>: provisioning run <run>".
  const std::string key = "provisioning run ";
  const auto at = r.err.find(key);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string run = r.err.substr(at + key.size(), 36);
  const CommandResult watch = Op({"watch", run});
  EXPECT_EQ(watch.exit_code, 1) << watch.err;
  const CommandResult retry = Op({"retry", run, "--wait"});
  EXPECT_EQ(retry.exit_code, 1) << retry.err;  // the failpoint still holds
  EXPECT_NE(retry.err.find("provisioning failed"), std::string::npos) << retry.err;
  const CommandResult again = Op({"retry", run});
  EXPECT_EQ(again.exit_code, 3) << again.err;  // only the latest run may be retried
  EXPECT_NE(again.err.find("error: 409 Conflict"), std::string::npos) << again.err;
}

TEST_F(CliClient, ARefusedRequestPrintsTheProblemAndExitsThree) {
  Start();
  const CommandResult r = Client({"create", "--account", acme_, "--name", "X", "--region", "mars"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("error: 422 Unprocessable Content"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  region: unknown region"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  request id: req_"), std::string::npos) << r.err;

  const CommandResult missing = Client({"get", "0196a3c4-5e2f-7d81-9b0a-3c4d5e6f7a8b"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("error: 404 Not Found"), std::string::npos) << missing.err;
}

TEST_F(CliClient, UsageErrorsExitTwoAndAnUnreachableServerFour) {
  Start();
  EXPECT_EQ(Client({"create", "--name", "X"}).exit_code, 2);
  EXPECT_EQ(Client({"list", "--url", "https://example.test"}).exit_code, 2);
  const CommandResult down = Client({"list", "--url", "http://127.0.0.1:1"});
  EXPECT_EQ(down.exit_code, 4);
  EXPECT_NE(down.err.find("cannot reach 127.0.0.1:1"), std::string::npos) << down.err;
}

// A server that accepts and never answers (a black-holed proxy) costs the
// CLI --timeout, not forever; a token with a line end in it is refused
// before anything is sent (it would have injected a header); a URL with a
// query is malformed (the path was appended after it).
TEST_F(CliClient, ASilentServerTimesOutAndABadTokenOrUrlIsAUsageError) {
  Start();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);  // the kernel accepts; nobody reads or answers
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string silent = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const CommandResult hung = Client({"list", "--url", silent, "--timeout", "1"});
  ::close(fd);
  EXPECT_EQ(hung.exit_code, 4) << hung.err;
  EXPECT_NE(hung.err.find("cannot reach 127.0.0.1:"), std::string::npos) << hung.err;

  const CommandResult crlf = Client({"list", "--token", "abc\r\nX-Injected: 1"});
  EXPECT_EQ(crlf.exit_code, 2) << crlf.err;
  EXPECT_NE(crlf.err.find("the token holds a character a token cannot"), std::string::npos)
      << crlf.err;
  EXPECT_EQ(crlf.err.find("X-Injected"), std::string::npos) << crlf.err;
  const CommandResult query = Client({"list", "--url", server_->url() + "/cp?x=1"});
  EXPECT_EQ(query.exit_code, 2) << query.err;
  EXPECT_NE(query.err.find("must not hold a query"), std::string::npos) << query.err;
  // A character no URL path may hold is refused before anything is sent.
  for (const std::string bad : {"\"", "<", ">", "\\", "^", "`", "{", "}", "|"}) {
    const CommandResult path = Client({"list", "--url", server_->url() + "/cp" + bad + "x"});
    EXPECT_EQ(path.exit_code, 2) << bad << ": " << path.err;
    EXPECT_NE(path.err.find("error: the server URL's path holds '" + bad + "'"),
              std::string::npos)
        << path.err;
  }
  EXPECT_EQ(Client({"list", "--timeout", "0"}).exit_code, 2);
}

TEST_F(CliClient, ExportWritesAFileThatParses) {
  Start();
  const CommandResult created = Create("Exported");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string ws(Json(created.out).as_object().at("id").as_string());
  TempDir dir;
  const std::string file = dir.path() + "/ws.json";
  const CommandResult r = Client({"export", ws, "--format", "json", "-o", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = Json(text.str());
  ASSERT_TRUE(doc.is_object()) << text.str().substr(0, 300);
  EXPECT_EQ(doc.at("workspace").at("id").as_string(), ws);
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));

  const CommandResult ndjson = Client({"export", ws, "--format", "ndjson"});  // to stdout
  ASSERT_EQ(ndjson.exit_code, 0) << ndjson.err;
  std::istringstream lines(ndjson.out);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) EXPECT_TRUE(Json(line).is_object());
  EXPECT_GT(n, 3);
}

// Without --format the CLI names no format: the server's configured one
// applies, as for any other client; --format still overrides it.
TEST_F(CliClient, ExportWithoutFormatGetsTheServersConfiguredFormat) {
  Start("", R"(,"export_format":"csv")");
  const std::string ws = CreateActive("Configured");
  const CommandResult csv = Client({"export", ws});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("# workspace\r\n", 0), 0u) << csv.out.substr(0, 200);
  const CommandResult json = Client({"export", ws, "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Json(json.out).at("workspace").at("id").as_string(), ws);
}

TEST_F(CliClient, ListFollowsEveryPageAndAppliesFilters) {
  Start();
  for (int i = 0; i < 5; ++i)
    seed_->Member(seed_->Workspace(acme_, "Team " + std::to_string(i)), "alice",
                  model::WorkspaceRole::kViewer);
  seed_->Member(seed_->Workspace(acme_, "Other"), "alice", model::WorkspaceRole::kViewer);
  const CommandResult all = Client({"list", "--limit", "2", "--output", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(Json(all.out).as_array().size(), 6u);

  const CommandResult some = Client({"list", "--limit", "2", "--name-prefix", "Team ", "--label",
                                     "team:platform", "--status", "active", "--output", "json"});
  ASSERT_EQ(some.exit_code, 0) << some.err;
  EXPECT_EQ(Json(some.out).as_array().size(), 5u);

  const CommandResult table = Client({"list", "--region", "us-east-1"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("ID  ", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("Team 4"), std::string::npos) << table.out;
}

TEST_F(CliClient, FreezeAndUnfreezeChangeTheStatus) {
  Start();
  const CommandResult created = Create("Frozen");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string ws(Json(created.out).as_object().at("id").as_string());
  const CommandResult frozen = Client({"freeze", ws, "--reason", "billing hold"});
  ASSERT_EQ(frozen.exit_code, 0) << frozen.err;
  EXPECT_EQ(Json(frozen.out).at("status_reason").as_string(), "billing hold");
  EXPECT_EQ(Client({"freeze", ws, "--reason", "again"}).exit_code, 3);
  const CommandResult active = Client({"unfreeze", ws});
  ASSERT_EQ(active.exit_code, 0) << active.err;
  EXPECT_EQ(Json(active.out).at("status").as_string(), "active");
  // The reason is optional, as in the API.
  const CommandResult bare = Client({"freeze", ws});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_EQ(Json(bare.out).at("status").as_string(), "frozen");
}

TEST_F(CliClient, CreateTakesAnExplicitSlug) {
  Start();
  const CommandResult r = Client({"create", "--account", acme_, "--name", "Slugged One",
                                  "--region", "us-east-1", "--slug", "my-slug"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id(Json(r.out).at("workspace_id").as_string());
  const CommandResult got = Client({"get", id});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(Json(got.out).at("slug").as_string(), "my-slug");
  // Taken: the server's 409 is printed, exit 3.
  const CommandResult again = Client({"create", "--account", acme_, "--name", "Other",
                                      "--region", "us-east-1", "--slug", "my-slug"});
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_NE(again.err.find("my-slug"), std::string::npos) << again.err;
}

TEST_F(CliClient, AccountsListsWhatTheCallerMayRead) {
  Start();
  const CommandResult r = Client({"accounts", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto accounts = Json(r.out).as_array();
  ASSERT_EQ(accounts.size(), 1u) << r.out;
  EXPECT_EQ(accounts[0].at("id").as_string(), acme_);
}

TEST_F(CliClient, TheOldNameAndVariablesStillWorkAndTheFlagWins) {
  Start();
  const CommandResult old = RunWorkspaced({"client", "accounts", "--output", "json"},
                                          {{"WORKSPACED_URL", server_->url()},
                                           {"WORKSPACED_TOKEN", token_}});
  ASSERT_EQ(old.exit_code, 0) << old.err;
  EXPECT_EQ(Json(old.out).as_array().size(), 1u);
  // CP_URL comes before WORKSPACED_URL, and --url before both.
  const CommandResult first = RunWorkspaced(
      {"ws", "accounts"},
      {{"CP_URL", "http://127.0.0.1:1"}, {"WORKSPACED_URL", server_->url()}, {"TOKEN", token_}});
  EXPECT_EQ(first.exit_code, 4) << first.err;
  const CommandResult flag = RunWorkspaced(
      {"ws", "accounts", "--url", server_->url()}, {{"CP_URL", "http://127.0.0.1:1"}, {"TOKEN", token_}});
  EXPECT_EQ(flag.exit_code, 0) << flag.err;
}

TEST_F(CliClient, GetPrintsJsonOrATableWithTheEtag) {
  Start();
  const std::string ws = CreateActive("Shown");
  const CommandResult j = Client({"get", ws});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(Json(j.out).at("id").as_string(), ws);
  const CommandResult t = Client({"get", ws, "--output", "table"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(t.out.rfind("FIELD  ", 0), 0u) << t.out;
  EXPECT_NE(t.out.find("\nname  "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("labels  "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("team:core"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("\netag  "), std::string::npos) << t.out;
  // Other objects as compact JSON (only labels as k:v).
  EXPECT_NE(t.out.find(R"({"generation":""})"), std::string::npos) << t.out;
  EXPECT_EQ(Client({"get", ws, "--output", "yaml"}).exit_code, 2);
}

// A table's columns line up on screen, whatever the bytes of a cell: a
// name of 200 'é' (400 bytes) and one of wide characters.
TEST_F(CliClient, TableColumnsAlignByColumnsNotBytes) {
  Start();
  std::string accented;
  for (int i = 0; i < 200; ++i) accented += "\xc3\xa9";
  CreateActive(accented);
  CreateActive("\xe6\x97\xa5\xe6\x9c\xac");  // 日本: 2 characters, 4 columns
  CreateActive("plain");
  const CommandResult t = Client({"list"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::set<std::size_t> status_at;  // the column where "active" starts, per row
  std::istringstream lines(t.out);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t at = line.find("active");
    if (at == std::string::npos) continue;
    status_at.insert(DisplayWidth(std::string_view(line).substr(0, at)));
  }
  EXPECT_EQ(status_at.size(), 1u) << t.out;
}

TEST_F(CliClient, UpdateSendsAMergePatchAndHonoursIfMatch) {
  Start();
  const std::string ws = CreateActive("Before");
  const CommandResult r = Client({"update", ws, "--name", "After", "--slug", "after", "--label",
                                  "tier:gold", "--remove-label", "team",
                                  "--deletion-protection", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = Json(r.out).as_object();
  EXPECT_EQ(doc.at("name").as_string(), "After");
  EXPECT_EQ(doc.at("slug").as_string(), "after");
  EXPECT_EQ(doc.at("deletion_protection").as_bool(), true);
  const auto labels = doc.at("labels").as_object();
  EXPECT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels.at("tier").as_string(), "gold");

  // The ETag from a table, quoted or not; a stale one is 412.
  const CommandResult table = Client({"update", ws, "--label", "x:1", "--output", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const auto at = table.out.find("\netag");
  ASSERT_NE(at, std::string::npos) << table.out;
  const auto quote = table.out.find('"', at);
  const std::string etag = table.out.substr(quote, table.out.find('\n', quote) - quote);
  const std::string bare = etag.substr(1, etag.size() - 2);
  ASSERT_EQ(Client({"update", ws, "--label", "x:2", "--if-match", bare}).exit_code, 0);
  const CommandResult stale = Client({"update", ws, "--label", "x:3", "--if-match", etag});
  EXPECT_EQ(stale.exit_code, 3) << stale.err;
  EXPECT_NE(stale.err.find("error: 412"), std::string::npos) << stale.err;

  EXPECT_EQ(Client({"update", ws}).exit_code, 2) << "nothing to change";
  EXPECT_EQ(Client({"update", ws, "--deletion-protection", "maybe"}).exit_code, 2);
  EXPECT_EQ(Client({"update", ws, "--name", ""}).exit_code, 2) << "an empty value is no change";
  const CommandResult invalid = Client({"update", ws, "--slug", "Not A Slug"});
  EXPECT_EQ(invalid.exit_code, 3) << invalid.err;
  EXPECT_NE(invalid.err.find("  slug: "), std::string::npos) << invalid.err;
}

TEST_F(CliClient, MembersListsPutsAndRemoves) {
  Start();
  const std::string ws = CreateActive("Team");
  const CommandResult put = Client({"members", ws, "--put", "bob", "--role", "viewer"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(Json(put.out).at("role").as_string(), "viewer");
  const CommandResult promoted =
      Client({"members", ws, "--put", "bob", "--role", "member", "--output", "table"});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.err;
  EXPECT_NE(promoted.out.find("\nrole        member\n"), std::string::npos) << promoted.out;

  const CommandResult list = Client({"members", ws});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.rfind("SUBJECT  ROLE    SINCE", 0), 0u) << list.out;
  EXPECT_NE(list.out.find("alice    admin"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("bob      member"), std::string::npos) << list.out;

  ASSERT_EQ(Client({"members", ws, "--remove", "bob"}).exit_code, 0);
  const CommandResult after = Client({"members", ws, "--output", "json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(Json(after.out).as_array().size(), 1u) << after.out;

  const CommandResult last = Client({"members", ws, "--remove", "alice"});
  EXPECT_EQ(last.exit_code, 3) << "the last admin stays";
  EXPECT_NE(last.err.find("error: 409 Conflict"), std::string::npos) << last.err;
  EXPECT_EQ(Client({"members", ws, "--put", "carol"}).exit_code, 2) << "--put needs --role";
  EXPECT_EQ(Client({"members", ws, "--put", "c", "--role", "owner"}).exit_code, 2);
}

TEST_F(CliClient, AuditFiltersPagesAndFollowsLinkWithAll) {
  Start();
  const std::string ws = CreateActive("Audited");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Client({"update", ws, "--label", "n:" + std::to_string(i)}).exit_code, 0);

  const CommandResult updates =
      Client({"audit", ws, "--action", "workspace.update", "--output", "json"});
  ASSERT_EQ(updates.exit_code, 0) << updates.err;
  const auto events = Json(updates.out).as_array();
  ASSERT_EQ(events.size(), 3u) << updates.out;
  for (const auto& e : events) EXPECT_EQ(e.at("actor").at("subject").as_string(), "alice");

  const CommandResult page = Client({"audit", ws, "--limit", "2", "--output", "json"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_EQ(Json(page.out).as_array().size(), 2u);
  const std::string hint = "more events: --cursor ";
  const auto at = page.err.find(hint);
  ASSERT_NE(at, std::string::npos) << page.err;
  const std::string cursor = page.err.substr(at + hint.size(), page.err.find(' ', at + hint.size()) -
                                                                   at - hint.size());
  const CommandResult second =
      Client({"audit", ws, "--limit", "2", "--cursor", cursor, "--output", "json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto first_seq = Json(page.out).as_array()[1].at("seq").as_int64();
  EXPECT_LT(Json(second.out).as_array()[0].at("seq").as_int64(), first_seq) << "newest first";

  const CommandResult all = Client({"audit", ws, "--limit", "2", "--all", "--output", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_GT(Json(all.out).as_array().size(), 6u) << "create's saga events and the updates";
  EXPECT_EQ(all.err.find(hint), std::string::npos) << all.err;

  const CommandResult table = Client({"audit", ws, "--action", "workspace.update"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("SEQ  ", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("alice  workspace.update  success"), std::string::npos) << table.out;

  const CommandResult bad = Client({"audit", ws, "--since", "yesterday"});
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_NE(bad.err.find("error: 400"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace workspaced::testing
