// `workspaced ws` against a scripted server on loopback (FakeHttpServer):
// the answers a real workspaced does not give but a proxy or a broken server
// may — an idle connection closed during a Retry-After wait, a next-page
// link that loops or leaves the server (docs/cli.md, "Errors, retries and
// exit codes").
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "support/fake_http_server.h"
#include "support/server_process.h"

namespace workspaced::testing {
namespace {

constexpr char kId[] = "0196a3c4-5e2f-7d81-9b0a-3c4d5e6f7a8b";
const std::string kWorkspace = std::string(R"({"id":")") + kId + R"(","status":"frozen"})";

CommandResult Ws(const FakeHttpServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), "ws");
  return RunWorkspaced(args, {{"CP_URL", server.url()}, {"TOKEN", "t0ken"}});
}

// A page of one workspace whose Link names `next`.
FakeHttpServer::Reply Page(const std::string& next) {
  return {FakeHttpServer::Response(
      200, {{"Content-Type", "application/json"}, {"Link", "<" + next + R"(>; rel="next")"}},
      std::string("[") + kWorkspace + "]")};
}

// Without the fix, a page loop never ends: past this many requests the fake
// closes every connection, and the CLI ends "cannot reach" instead.
constexpr int kGiveUp = 50;

// A proxy with a short idle timeout closes the keep-alive connection while
// the CLI waits out a 429's Retry-After. The PATCH is resent (the 429 said
// nothing was done) on a fresh connection, where it was sent on the dead one
// and failed "cannot reach …: end of stream", since a PATCH is not resent on
// a connection found dead.
TEST(CliFakeServer, A429RetryGoesOnAFreshConnectionWhenTheIdleOneWasClosed) {
  std::atomic<int> seen{0};
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    if (++seen == 1) return {FakeHttpServer::Response(429, {{"Retry-After", "1"}}), /*close=*/true};
    return {FakeHttpServer::Response(200, {{"Content-Type", "application/json"}}, kWorkspace)};
  });
  const CommandResult r = Ws(server, {"freeze", kId});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("status":"frozen")"), std::string::npos) << r.out;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u) << r.err;
  for (const auto& q : requests) {
    EXPECT_EQ(q.method, "PATCH");
    EXPECT_EQ(q.target, std::string("/v1/workspaces/") + kId + "/status");
    EXPECT_EQ(q.body, R"({"status":"frozen"})");
  }
  EXPECT_EQ(requests[0].connection, 1);
  EXPECT_EQ(requests[1].connection, 2);
}

// Only a Retry-After wait makes the CLI resend a PATCH: one whose connection
// dies under it is reported, not resent (the server may have done it).
TEST(CliFakeServer, APatchWhoseConnectionDiesIsNotResent) {
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    return {"", /*close=*/true};
  });
  const CommandResult r = Ws(server, {"freeze", kId});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(server.requests().size(), 1u);
}

// An id or subject given as "." or ".." is refused before anything is sent
// (exit 2): behind a proxy that removes dot-segments, `members W --remove
// ..` reached DELETE /v1/workspaces/W (outside audit).
TEST(CliFakeServer, ADotSegmentIsNeverSent) {
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    return {FakeHttpServer::Response(204, {})};
  });
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"members", kId, "--remove", ".."},
        {"members", kId, "--put", ".", "--role", "viewer"}, {"get", ".."}, {"delete", "."}}) {
    const CommandResult r = Ws(server, args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find("are not ids or names"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(server.requests().empty());
}

// An answer that is not valid HTTP is said to be one (exit 4): the server
// was reached, and "cannot reach" sent the operator the wrong way (outside
// audit).
TEST(CliFakeServer, AnAnswerThatIsNotHttpIsNotCannotReach) {
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    return {"HTTP/1.1 200 OK\r\nETag: \"a\x1b[2Jb\"\r\nContent-Length: 2\r\n\r\n{}", true};
  });
  const CommandResult r = Ws(server, {"get", kId});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("answered with something that is not valid HTTP"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("cannot reach"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
}

// A server that always names the same next page had `ws list` reading (and
// growing) forever; the repeated link is refused, named, exit 4.
TEST(CliFakeServer, ANextLinkThatRepeatsIsRefusedNamingIt) {
  std::atomic<int> seen{0};
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    if (++seen > kGiveUp) return {"", true};
    return Page("/v1/workspaces?cursor=again");
  });
  const CommandResult r = Ws(server, {"list"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("error: the server's next-page link \"/v1/workspaces?cursor=again\" "
                       "repeats one already followed"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/v1/workspaces");
  EXPECT_EQ(requests[1].target, "/v1/workspaces?cursor=again");

  // A loop through two pages, on every paged read (here `ws accounts`).
  seen = 0;
  FakeHttpServer two([&](const FakeHttpServer::Request& q) -> FakeHttpServer::Reply {
    if (++seen > kGiveUp) return {"", true};
    return Page(q.target == "/v1/accounts?cursor=a" ? "/v1/accounts?cursor=b"
                                                    : "/v1/accounts?cursor=a");
  });
  const CommandResult accounts = Ws(two, {"accounts"});
  EXPECT_EQ(accounts.exit_code, 4) << accounts.err;
  EXPECT_NE(accounts.err.find("\"/v1/accounts?cursor=a\" repeats one already followed"),
            std::string::npos)
      << accounts.err;
  EXPECT_EQ(two.requests().size(), 3u);
}

// Every next link new, never an end: the CLI stops at the documented bound
// (10,000 pages), exit 4, where it read forever.
TEST(CliFakeServer, PagingStopsAtTenThousandPages) {
  std::atomic<int> seen{0};
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    const int n = ++seen;
    if (n > 10000 + kGiveUp) return {"", true};
    return {FakeHttpServer::Response(
        200, {{"Link", "</v1/workspaces?cursor=" + std::to_string(n) + R"(>; rel="next")"}}, "[]")};
  });
  const CommandResult r = Ws(server, {"list"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("error: the server still names a next page after 10000 pages"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(server.requests().size(), 10000u);
}

// A next link is a path on this server, put after the URL's prefix: an
// absolute URL (it was glued on: GET /v1/http://…), a network-path reference
// or a relative one is refused before anything more is sent.
TEST(CliFakeServer, ANextLinkOffTheServerIsRefused) {
  for (const std::string next : {"http://elsewhere.test/v1/workspaces?cursor=x",
                                 "//elsewhere.test/v1/workspaces", "v1/workspaces?cursor=x"}) {
    std::atomic<int> seen{0};
    FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
      if (++seen > kGiveUp) return {"", true};
      return Page(next);
    });
    const CommandResult r = Ws(server, {"list"});
    EXPECT_EQ(r.exit_code, 4) << next << ": " << r.err;
    EXPECT_NE(r.err.find("error: the server's next-page link \"" + next +
                         "\" is not a path on this server"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(server.requests().size(), 1u) << next;
  }
}

// A page that is not a JSON array is the server's failure, exit 4 as the
// other answers that cannot be used (it was exit 1, kept for a failed run).
TEST(CliFakeServer, APageThatIsNotAJsonArrayIsExitFour) {
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    return {FakeHttpServer::Response(200, {{"Content-Type", "text/html"}}, "<html>")};
  });
  const CommandResult r = Ws(server, {"list"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("error: the server sent a page that is not a JSON array"), std::string::npos)
      << r.err;
}

// An export the server began and then cut (its last chunk never came) was
// reported as "cannot reach 127.0.0.1:…: read body: partial message", as if
// no server had answered. It is an answer cut short: said so, no file left,
// exit 4 (docs/cli.md: "a response was cut short").
TEST(CliFakeServer, AnExportCutShortSaysSoAndLeavesNoFile) {
  FakeHttpServer server([&](const FakeHttpServer::Request&) -> FakeHttpServer::Reply {
    return {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"workspace\":{}}\r\n",
            /*close=*/true};
  });
  TempDir tmp;
  const std::string file = tmp.path() + "/ws.json";
  const CommandResult r = Ws(server, {"export", kId, "-o", file});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(r.err.find("cannot reach"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("was cut short after 16 bytes of its body"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the export is incomplete; no file was written (" + file + ")"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".part"));
}

// A server (or whoever is on the plain-HTTP path) that puts terminal
// control sequences in what it sends: tables and progress lines show them
// escaped, never run them (docs/cli.md).
TEST(CliFakeServer, ControlSequencesFromTheServerAreShownEscapedNeverRun) {
  const std::string evil = R"(evil\u001b]0;pwned\u0007\u001b[31mRED\u202e)";
  const std::string list = std::string(R"([{"id":")") + kId + R"(","name":")" + evil +
                           R"(","slug":"s","status":"active","region":"us\u001b[2J","labels":)"
                           R"({"k":"v\r\nINJECTED"}}])";
  const std::string run = std::string(R"({"id":")") + kId +
                          R"(","kind":"create","state":"failed","error":"boom\u001b[2J",)"
                          R"("steps":[{"name":"st\u001b[31mep","state":"failed","attempts":1,)"
                          R"("last_error":"le\u001b[2Jrr"}]})";
  FakeHttpServer server([&](const FakeHttpServer::Request& q) -> FakeHttpServer::Reply {
    const std::string& body = q.target.rfind("/v1/operations/", 0) == 0 ? run : list;
    return {FakeHttpServer::Response(200, {{"Content-Type", "application/json"}}, body)};
  });
  const auto raw = [](const std::string& s) {
    return s.find('\x1b') != std::string::npos || s.find('\a') != std::string::npos ||
           s.find("\xe2\x80\xae") != std::string::npos || s.find('\r') != std::string::npos;
  };
  const CommandResult table = Ws(server, {"list", "--output", "table"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_FALSE(raw(table.out)) << table.out;
  EXPECT_NE(table.out.find(R"(evil\x1b]0;pwned\x07\x1b[31mRED\u202e)"), std::string::npos)
      << table.out;
  EXPECT_EQ(table.out.find("\nINJECTED"), std::string::npos) << table.out;
  const CommandResult watch =
      RunWorkspaced({"op", "watch", kId}, {{"CP_URL", server.url()}, {"TOKEN", "t0ken"}});
  EXPECT_FALSE(raw(watch.out + watch.err)) << watch.out << watch.err;
  EXPECT_NE(watch.err.find(R"(st\x1b[31mep: failed — le\x1b[2Jrr)"), std::string::npos) << watch.err;
}

}  // namespace
}  // namespace workspaced::testing
