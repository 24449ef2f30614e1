#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "client/api_client.h"
#include "client/problem.h"
#include "client/run_progress.h"

namespace workspaced::client {
namespace {

TEST(Endpoint, ParsesHostPortAndPrefix) {
  auto e = ParseEndpoint("http://example.test:9000/cp/");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "example.test");
  EXPECT_EQ(e->port, 9000);
  EXPECT_EQ(e->prefix, "/cp");
  auto v6 = ParseEndpoint("http://[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(ParseEndpoint("http://h")->port, 80);
}

TEST(Endpoint, RefusesHttpsAndBadPorts) {
  EXPECT_FALSE(ParseEndpoint("https://h").ok());
  EXPECT_FALSE(ParseEndpoint("http://h:0").ok());
  EXPECT_FALSE(ParseEndpoint("http://h:99999").ok());
  EXPECT_FALSE(ParseEndpoint("http://:80").ok());
  EXPECT_FALSE(ParseEndpoint("http://127.0.0.1:18701:99").ok());  // IPv6 goes in [ ]
}

// What goes into the request line cannot end it: a space or a line end in
// the path prefix would have injected a header.
TEST(Endpoint, RefusesSpacesAndLineEndsInThePrefix) {
  EXPECT_FALSE(ParseEndpoint("http://h/v1 HTTP/1.1\r\nX-Injected: yes\r\nX-Pad:").ok());
  EXPECT_FALSE(ParseEndpoint("http://h/a b").ok());
  EXPECT_FALSE(ParseEndpoint("http://h/caf\xc3\xa9").ok());
  EXPECT_TRUE(ParseEndpoint("http://h/cp-1_x~").ok());
}

// The path prefix goes into every request target as it is: what RFC 3986
// does not allow in a path is refused, naming the character, where it was
// sent raw before.
TEST(Endpoint, RefusesCharactersAPathCannotHold) {
  for (const char* url : {"http://h/a\"b", "http://h/a<b", "http://h/a>b", "http://h/a\\b",
                          "http://h/a^b", "http://h/a`b", "http://h/a{b", "http://h/a}b",
                          "http://h/a|b", "http://h/a[b", "http://h/a]b", "http://h/50%",
                          "http://h/%4", "http://h/%zz/cp"}) {
    const auto e = ParseEndpoint(url);
    ASSERT_FALSE(e.ok()) << url;
    EXPECT_NE(e.status().message().find("the server URL's path holds '"), std::string::npos)
        << e.status().message();
  }
  const auto pipe = ParseEndpoint("http://h/cp|x");
  ASSERT_FALSE(pipe.ok());
  EXPECT_NE(pipe.status().message().find("holds '|'"), std::string::npos)
      << pipe.status().message();
  // Everything RFC 3986 lets a path segment hold is kept as given.
  const auto ok = ParseEndpoint("http://h/a-b.c_d~e/!$&'()*+,;=:@/%2Fx%7c/");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->prefix, "/a-b.c_d~e/!$&'()*+,;=:@/%2Fx%7c");
}

// The timeout bounds each wait for data: a response streamed slowly but
// steadily (its header in three pieces 400 ms apart, then a byte every
// 200 ms: 2.4 s in all) arrives whole under a 1 s timeout, where a read
// waiting for the whole header, or a full buffer, was cut.
TEST(Connection, ASlowSteadyStreamIsNotCutByTheTimeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::thread server([fd] {
    const int c = ::accept(fd, nullptr, nullptr);
    char buf[4096];
    (void)::recv(c, buf, sizeof buf, 0);  // the request
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n";
    // The header too comes slowly: a third every 400 ms.
    for (std::size_t at = 0; at < head.size(); at += head.size() / 3 + 1) {
      (void)::send(c, head.data() + at, std::min(head.size() - at, head.size() / 3 + 1), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
    }
    for (int i = 0; i < 6; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      (void)::send(c, "1\r\nx\r\n", 6, 0);
    }
    (void)::send(c, "0\r\n\r\n", 5, 0);
    ::close(c);
  });
  Connection conn({.host = "127.0.0.1", .port = ntohs(addr.sin_port), .prefix = ""}, 1);
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  const auto r = conn.Download({.method = "GET", .target = "/export"}, sink);
  server.join();
  ::close(fd);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(std::ftell(sink), 6);
  std::fclose(sink);
}

// Credentials in the URL are refused and never repeated in the message.
TEST(Endpoint, RefusesCredentialsWithoutRepeatingThem) {
  for (const char* url : {"http://user:s3cretpw@127.0.0.1:18701", "ftp://user:s3cretpw@h"}) {
    const auto e = ParseEndpoint(url);
    ASSERT_FALSE(e.ok()) << url;
    EXPECT_EQ(e.status().message().find("s3cretpw"), std::string::npos) << e.status().message();
  }
  // Not a URL: no word of TLS.
  const auto bare = ParseEndpoint("notaurl");
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.status().message().find("TLS"), std::string::npos);
}

TEST(Link, FindsTheNextTarget) {
  EXPECT_EQ(NextLink(R"(</v1/workspaces?limit=2&cursor=abc>; rel="next")").value(),
            "/v1/workspaces?limit=2&cursor=abc");
  EXPECT_EQ(NextLink(R"(</a>; rel="prev", </b>; rel="next")").value(), "/b");
  EXPECT_EQ(NextLink("").value(), "");
  EXPECT_EQ(NextLink(R"(</a>; rel="prev")").value(), "");
}

// The target goes after the URL's prefix as it is: only a path on the same
// server is followed (an absolute URL was glued on, and another server would
// have been sent the token).
TEST(Link, RefusesATargetThatIsNotAPathOnThisServer) {
  for (const char* header : {R"(<http://elsewhere.test/v1/workspaces?cursor=x>; rel="next")",
                             R"(<//elsewhere.test/v1/workspaces>; rel="next")",
                             R"(<v1/workspaces>; rel="next")", R"(<?cursor=x>; rel="next")",
                             R"(</v1/a b>; rel="next")", "</v1/caf\xc3\xa9>; rel=\"next\""}) {
    const auto next = NextLink(header);
    ASSERT_FALSE(next.ok()) << header;
    EXPECT_NE(next.status().message().find("the server's next-page link \""), std::string::npos)
        << next.status().message();
    EXPECT_NE(next.status().message().find("not followed"), std::string::npos)
        << next.status().message();
  }
}

TEST(RetryAfter, HonoursDeltaSecondsCappedAndFallsBack) {
  EXPECT_EQ(RetryAfterSeconds("3", 1), 3);
  EXPECT_EQ(RetryAfterSeconds("3600", 1), 30);
  EXPECT_EQ(RetryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT", 1.5), 1.5);
  EXPECT_EQ(RetryAfterSeconds("", 2), 2);
}

TEST(QueryEscape, EncodesReservedCharacters) {
  EXPECT_EQ(QueryEscape("team:core a&b"), "team%3Acore%20a%26b");
}

TEST(Problem, ShowsTitleDetailFieldsAndRequestId) {
  Response r;
  r.status = 422;
  r.body =
      R"({"type":"urn:workspaced:problem:validation-error","title":"Unprocessable Content","status":422,"detail":"invalid workspace","instance":"req_1","errors":[{"field":"region","detail":"must be one of: us-east-1"}]})";
  EXPECT_EQ(RenderProblem(r),
            "error: 422 Unprocessable Content: invalid workspace\n"
            "  region: must be one of: us-east-1\n"
            "  request id: req_1\n");
}

TEST(Problem, EscapesControlCharactersAndSummarisesOtherBodies) {
  Response r;
  r.status = 502;
  r.body = "bad\x1b[2Jgateway";
  r.headers = {{"X-Request-Id", "req_2"}};
  EXPECT_EQ(RenderProblem(r),
            "error: 502 (not a problem document): bad\\x1b[2Jgateway\n  request id: req_2\n");
}

std::string Capture(const std::function<void(std::FILE*)>& f) {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buf, &size);
  f(out);
  std::fclose(out);
  std::string s(buf, size);
  std::free(buf);
  return s;
}

RunView MakeRun(const std::string& state, std::vector<StepView> steps) {
  return {"0196a3c4-5e31", "ws", state, "", std::move(steps)};
}

TEST(Progress, PlainPrintsOneLinePerStepChange) {
  const std::string out = Capture([](std::FILE* f) {
    RunProgress p(f, false, 0);
    EXPECT_TRUE(p.Show(MakeRun("pending", {{"a", "pending"}, {"b", "pending"}}), 0));
    EXPECT_FALSE(p.Show(MakeRun("pending", {{"a", "pending"}, {"b", "pending"}}), 0.25));
    EXPECT_TRUE(p.Show(MakeRun("running", {{"a", "succeeded", 1}, {"b", "running", 1}}), 0.5));
    EXPECT_TRUE(
        p.Show(MakeRun("running", {{"a", "succeeded", 1}, {"b", "running", 2, "x down"}}), 1));
    EXPECT_TRUE(p.Show(MakeRun("succeeded", {{"a", "succeeded", 1}, {"b", "succeeded", 2}}), 2));
  });
  EXPECT_EQ(out,
            "run 0196a3c4-5e31: pending\n"
            "[0.5s] a: succeeded\n"
            "[0.5s] b: running\n"
            "[0.5s] run running\n"
            "[1.0s] b: running (attempt 2) — x down\n"
            "[2.0s] b: succeeded (attempt 2)\n"
            "[2.0s] run succeeded\n");
}

TEST(Progress, TerminalRedrawsOneLineAndEndsIt) {
  const std::string out = Capture([](std::FILE* f) {
    RunProgress p(f, true, 0);
    p.Show(MakeRun("running", {{"a", "succeeded", 1}, {"b", "running", 1}}), 0.5);
    p.Show(MakeRun("failed", {{"a", "compensated", 1}, {"b", "failed", 1}}), 1);
  });
  EXPECT_EQ(out,
            "\r\033[Krun 0196a3c4… running 0.5s  ✓a ▸b"
            "\r\033[Krun 0196a3c4… failed 1.0s  ↺a ✗b\n");
}

TEST(Progress, TerminalLineFitsTheWidth) {
  const std::string out = Capture([](std::FILE* f) {
    RunProgress p(f, true, 10);
    p.Show(MakeRun("running", {{"a", "running", 1}}), 0);
  });
  EXPECT_EQ(out, "\r\033[Krun 0196a3");
}

TEST(Backoff, DoublesWhileNothingChangesUpToTwoSeconds) {
  PollBackoff b;
  EXPECT_EQ(b.Next(false), 0.25);
  EXPECT_EQ(b.Next(false), 0.5);
  EXPECT_EQ(b.Next(false), 1);
  EXPECT_EQ(b.Next(false), 2);
  EXPECT_EQ(b.Next(false), 2);
  EXPECT_EQ(b.Next(true), 0.25);
}

TEST(ParseRun, ReadsStepsAndRefusesNonJson) {
  auto r = ParseRun(
      R"({"id":"r","workspace_id":"w","state":"failed","error":"boom","steps":[{"name":"a","state":"failed","attempts":3,"last_error":"x"}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->error, "boom");
  ASSERT_EQ(r->steps.size(), 1u);
  EXPECT_EQ(r->steps[0].attempts, 3);
  EXPECT_FALSE(ParseRun("<html>").ok());
}

}  // namespace
}  // namespace workspaced::client
