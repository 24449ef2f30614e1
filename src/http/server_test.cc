// The transport against a real client on loopback: limits, timeouts,
// streaming, request ids and shutdown (the connection and body-memory
// limits: server_limits_test.cc).
#include "http/server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "http/server_test_fixture.h"

namespace workspaced::http {
namespace {

using namespace workspaced::http::testing;  // NOLINT: the fixture

TEST_F(ServerTest, EchoesBodyAndRequestIdOverKeepAlive) {
  StartServer();
  HttpClient c(server_->port());
  auto r = c.Send("POST", "/echo", {{"X-Request-Id", "abc-123"}}, "{\"a\":1}");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"a\":1}");
  EXPECT_EQ(r.Header("X-Request-Id"), "abc-123");
  auto r2 = c.Send("POST", "/echo", {{"X-Request-Id", "bad id with spaces"}}, "1");
  EXPECT_EQ(r2.Header("X-Request-Id").rfind("req_", 0), 0u);
  EXPECT_FALSE(r2.Header("Date").empty());
}

TEST_F(ServerTest, BodyOverLimitIs413Problem) {
  ServerOptions o;
  o.body_limit = 1024;
  StartServer(o);
  HttpClient c(server_->port());
  auto r = c.Send("POST", "/echo", {}, std::string(2048, 'a'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  StartServer();
  const std::string raw =
      "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  const std::string out = HttpClient::Raw(server_->port(), raw);
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 80);
  EXPECT_NE(out.find("application/problem+json"), std::string::npos);
}

// The header limit is one number however the bytes arrive: a head of
// exactly header_limit bytes is read, one byte more is a 431, whether it came
// at once or its first bytes alone (outside audit: up to 32 bytes over passed
// when the head came at once, and a head whose first bytes came alone was a
// 414 "target too long" for a 20-byte request line).
TEST_F(ServerTest, TheHeaderLimitIsTheSameHoweverTheRequestIsSplit) {
  ServerOptions o;
  o.header_limit = 4096;
  StartServer(o);
  const auto head = [](std::size_t total) {
    const std::string start = "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ";
    return start + std::string(total - start.size() - 4, 'a') + "\r\n\r\n";
  };
  for (const std::size_t total : {4000u, 4096u, 4097u, 4110u, 4128u, 4129u, 5000u}) {
    const std::string raw = head(total);
    ASSERT_EQ(raw.size(), total);
    for (const std::size_t first : {raw.size(), std::size_t{10}, std::size_t{2000}, total - 1}) {
      const int fd = ConnectLoopback(server_->port());
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::send(fd, raw.data(), first, MSG_NOSIGNAL), static_cast<ssize_t>(first));
      if (first < raw.size()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // its own segment
        ::send(fd, raw.data() + first, raw.size() - first, MSG_NOSIGNAL);
      }
      const std::string out = ReadUntilClosed(fd, 5000).value_or("(not closed)");
      ::close(fd);
      const char* want = total <= 4096 ? "HTTP/1.1 200" : "HTTP/1.1 431";
      EXPECT_EQ(out.rfind(want, 0), 0u)
          << total << " bytes, the first " << first << " alone: " << out.substr(0, 60);
    }
  }
}

// A chunked body's trailer fields are bounded like the header: one field of
// 64 KiB (more than Beast can hold in a field: it threw, and the process
// died) and many small ones (buffered without bound) are each a 431, and
// the server goes on answering; a trailer within the limit is read.
TEST_F(ServerTest, TrailerFieldsOverTheHeaderLimitAre431AndTheServerGoesOn) {
  StartServer();
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n1\r\n0\r\n";
  std::string many = head;
  for (int i = 0; i < 2000; ++i) many += "X-T: " + std::string(100, 'c') + "\r\n";
  for (const std::string& raw :
       {head + "X: " + std::string(65535, 'b') + "\r\n\r\n", many + "\r\n"}) {
    const std::string out = HttpClient::Raw(server_->port(), raw);
    EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 80);
    EXPECT_NE(out.find("application/problem+json"), std::string::npos);
    HttpClient c(server_->port());
    EXPECT_EQ(c.Send("POST", "/echo", {}, "1").status, 200);
  }
  const std::string ok = HttpClient::Raw(server_->port(), head + "X-Sum: abc\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok.substr(0, 80);
}

// A chunk line or trailer field ended by a bare LF can never be completed:
// it is a 400 at once, not a wait for the body deadline (a minute here, so
// the old wait shows as this test's timeout, or a 408). Framing the parser
// refuses itself is said precisely too. An LF inside chunk data is data.
TEST_F(ServerTest, MalformedChunkedFramingIsAPrecise400AtOnce) {
  ServerOptions o;
  o.request_timeout = std::chrono::seconds(60);
  StartServer(o);
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string bare_lf = "a chunk line or trailer field must end in CRLF, not a bare LF";
  const std::pair<std::string, std::string> cases[] = {
      {"5\nhello\n0\n\n", bare_lf},
      {"1\r\na\r\n0\r\nX-T: y\n\r\n", bare_lf},
      {"5\r\nhello\n0\r\n\r\n", bare_lf},
      {"1;ext=\"q\"\n\r\na\r\n0\r\n\r\n", bare_lf},
      {"1\na\r\n0\r\n\r\n", bare_lf},
      {"zz\r\na\nb\r\n0\r\n\r\n",
       "malformed chunk: a chunk size is hexadecimal, and a chunk's data ends in CRLF"},
      {"1;=x\r\na\r\n0\r\n\r\n",
       "malformed chunk size or extension: a size is hexadecimal digits only, an extension "
       ";name[=value]"}};
  for (const auto& [body, detail] : cases) {
    const std::string out = HttpClient::Raw(server_->port(), head + body);
    EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out.substr(0, 80);
    EXPECT_NE(out.find("\"detail\":\"" + detail + "\""), std::string::npos) << out;
  }
  const std::string data = "a\nb\n\nc";  // 6 bytes
  const std::string ok = HttpClient::Raw(server_->port(), head + "6\r\n" + data + "\r\n0\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok.substr(0, 80);
  EXPECT_NE(ok.find(data), std::string::npos) << ok;
}

// Content-Length with Transfer-Encoding (the smuggling pair), in either
// order, and two lengths that differ: each refusal says which.
TEST_F(ServerTest, ConflictingLengthFieldsAreA400NamingTheConflict) {
  StartServer();
  const std::string together = "Transfer-Encoding and Content-Length together are not accepted";
  const std::pair<std::string, std::string> cases[] = {
      {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", together},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", together},
      {"Content-Length: 5\r\nContent-Length: 6\r\n",
       "Content-Length is sent twice with different values"},
      {"Content-Length: 5x\r\n", "Content-Length must be one decimal number"}};
  for (const auto& [fields, detail] : cases) {
    const std::string out = HttpClient::Raw(
        server_->port(), "POST /echo HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n0\r\n\r\n");
    EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out.substr(0, 80);
    EXPECT_NE(out.find("\"detail\":\"" + detail + "\""), std::string::npos) << fields << out;
  }
}

// A chunked body's trailer is not the header: an Authorization (or any
// field) sent there is discarded, never read as the request's (RFC 9110
// §6.5.1), and a trailer's Connection: close does not end the connection.
TEST_F(ServerTest, TrailerFieldsAreNeverTakenForHeaderFields) {
  StartServer();
  const std::string chunked =
      "POST /authorization HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1\r\n1\r\n0\r\n";
  std::string out = HttpClient::Raw(
      server_->port(), chunked +
                           "Authorization: Bearer stolen\r\nConnection: close\r\n\r\n"
                           "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out.substr(0, 80);
  EXPECT_NE(out.find("\"|0\""), std::string::npos) << out;
  EXPECT_EQ(out.find("stolen"), std::string::npos) << out;
  // The pipelined request after it was answered: the trailer's Connection:
  // close was not the request's.
  EXPECT_NE(out.find("HTTP/1.1 200", 10), std::string::npos) << out;
  // With one in the header too, the header's alone is the request's.
  out = HttpClient::Raw(server_->port(),
                        "POST /authorization HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer mine\r\n"
                        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\n1\r\n0\r\n"
                        "Authorization: Bearer stolen\r\n\r\n");
  EXPECT_NE(out.find("\"Bearer mine|1\""), std::string::npos) << out;
}

// Expect: 100-continue invites the body on HTTP/1.1; HTTP/1.0 has no
// interim responses, so there it is ignored (RFC 9110 §10.1.1).
TEST_F(ServerTest, ContinueIsSentOnHttp11OnlyBeforeTheBody) {
  StartServer();
  const std::string body = "{\"a\":1}";
  const std::string tail =
      "Expect: 100-continue\r\nContent-Type: application/json\r\n"
      "Content-Length: 7\r\nConnection: close\r\n\r\n" +
      body;
  const std::string v11 =
      HttpClient::Raw(server_->port(), "POST /echo HTTP/1.1\r\nHost: x\r\n" + tail);
  EXPECT_EQ(v11.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200", 0), 0u) << v11.substr(0, 80);
  const std::string v10 = HttpClient::Raw(server_->port(), "POST /echo HTTP/1.0\r\n" + tail);
  EXPECT_EQ(v10.find("100 Continue"), std::string::npos) << v10.substr(0, 80);
  EXPECT_NE(v10.find(" 200 "), std::string::npos) << v10.substr(0, 80);
}

TEST_F(ServerTest, IncompleteRequestTimesOutWith408) {
  ServerOptions o;
  o.request_timeout = std::chrono::milliseconds(200);
  o.idle_timeout = std::chrono::milliseconds(200);
  StartServer(o);
  const std::string out =
      HttpClient::Raw(server_->port(), "GET /echo HTTP/1.1\r\nHost: x\r\n", 3000);
  EXPECT_EQ(out.rfind("HTTP/1.1 408", 0), 0u) << out;
}

TEST_F(ServerTest, HeadersMustArriveWithinTheRequestTimeoutNotTheIdleOne) {
  ServerOptions o;
  o.request_timeout = std::chrono::milliseconds(200);
  o.idle_timeout = std::chrono::milliseconds(20000);
  StartServer(o);
  const auto start = std::chrono::steady_clock::now();
  const std::string out =
      HttpClient::Raw(server_->port(), "GET /echo HTTP/1.1\r\nHost: x\r\n", 5000);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.rfind("HTTP/1.1 408", 0), 0u) << out;
  EXPECT_LT(waited, std::chrono::seconds(3));
}

TEST_F(ServerTest, AbandonedRequestLeavesTheInFlightGauge) {
  StartServer();
  for (int i = 0; i < 3; ++i) {
    HttpClient::Raw(server_->port(),
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", 100);
  }
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text = metrics_.Render();
    if (text.find("workspaced_http_requests_in_flight 0") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(text.find("workspaced_http_requests_in_flight 0"), std::string::npos) << text;
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  std::string raw;
  for (int i = 0; i < 3; ++i)
    raw += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n" + std::to_string(i);
  raw += "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string out = HttpClient::Raw(server_->port(), raw);
  const auto p0 = out.find("\r\n\r\n0");
  const auto p1 = out.find("\r\n\r\n1");
  const auto p2 = out.find("\r\n\r\n2");
  ASSERT_NE(p0, std::string::npos) << out;
  EXPECT_LT(p0, p1);
  EXPECT_LT(p1, p2);
}

TEST_F(ServerTest, StreamsChunkedBodyAndFreesSourceOnDisconnect) {
  StartServer();
  {
    HttpClient c(server_->port());
    auto r = c.Get("/stream");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(r.body.size(), 1000u * 64 * 1024);
  }
  // A client that reads a little and goes away: the source must be destroyed.
  const std::string partial =
      HttpClient::Raw(server_->port(), "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", 200);
  EXPECT_EQ(partial.rfind("HTTP/1.1 200", 0), 0u);
  for (int i = 0; i < 200 && alive_sources_.load() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(alive_sources_.load(), 0);
}

TEST_F(ServerTest, ShutdownFinishesInFlightRequest) {
  StartServer();
  std::atomic<int> status{0};
  std::thread t([&] {
    HttpClient c(server_->port());
    status = c.Get("/slow").status;
  });
  EXPECT_TRUE(slow_started_.WaitFor(std::chrono::seconds(10)));  // the request is in flight
  server_->Shutdown();
  t.join();
  EXPECT_EQ(status.load(), 200);
}

// A request already sent when the server is told to stop is answered, with
// Connection: close, on an idle keep-alive connection and on one accepted
// but not yet read: resetting them left their clients unable to tell
// whether their requests ran. Idle connections still close at once.
// One I/O thread, held by an inline handler, keeps the requests unread in
// the sockets until Shutdown has begun.
TEST_F(ServerTest, ShutdownAnswersRequestsAlreadySentAndClosesIdleConnections) {
  ServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.access_log = false;
  Event held;
  std::atomic<bool> release{false};
  auto started = Server::Start(
      o,
      [&](const Request& req, Response& res) {
        if (req.path == "/hold") {
          held.Notify();
          for (int i = 0; i < 500 && !release.load(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          res.Json(200, "\"held\"");
          return;
        }
        Handle(req, res);
      },
      metrics_, [](const Request& req) { return req.path == "/hold"; });
  ASSERT_TRUE(started.ok()) << started.status().message();
  server_ = std::move(started).value();
  const int port = server_->port();
  const auto send = [](int fd, const std::string& bytes) {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  };
  const std::string echo = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n\"late\"";

  // Two keep-alive connections, each answered once: now idle.
  const int idle = ConnectLoopback(port), silent = ConnectLoopback(port);
  ASSERT_GE(idle, 0);
  ASSERT_GE(silent, 0);
  for (const int fd : {idle, silent}) {
    ASSERT_TRUE(send(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1"));
    std::string got;
    char buf[1024];
    while (got.find("\r\n\r\n1") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      ASSERT_GT(n, 0);
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
  std::thread holder(
      [&] { HttpClient::Raw(port, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n", 10000); });
  ASSERT_TRUE(held.WaitFor(std::chrono::seconds(10)));  // the only I/O thread is busy
  ASSERT_TRUE(send(idle, echo));
  const int fresh = ConnectLoopback(port);  // accepted; its session not started yet
  ASSERT_GE(fresh, 0);
  ASSERT_TRUE(send(fresh, echo));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread stopper([&] { server_->Shutdown(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // Shutdown has posted its work
  release = true;

  for (const int fd : {idle, fresh}) {
    const std::optional<std::string> out = ReadUntilClosed(fd, 5000);
    SCOPED_TRACE(fd == idle ? "the idle connection" : "the fresh connection");
    ASSERT_TRUE(out.has_value()) << "the server did not close the connection";
    EXPECT_EQ(out->rfind("HTTP/1.1 200", 0), 0u) << *out;
    EXPECT_NE(out->find("Connection: close"), std::string::npos) << *out;
    EXPECT_NE(out->find("\"late\""), std::string::npos) << *out;
    ::close(fd);
  }
  const std::optional<std::string> none = ReadUntilClosed(silent, 5000);
  ASSERT_TRUE(none.has_value()) << "an idle connection stayed open";
  EXPECT_EQ(*none, "");
  ::close(silent);
  stopper.join();
  holder.join();
}

// RFC 9112 §2.3: a later HTTP/1 minor version is read as 1.1 and answered
// as 1.1 (it was a 400); another major version in this syntax is a 505
// problem; a version that is not "HTTP/d.d" stays a 400.
TEST_F(ServerTest, ALaterMinorVersionIsAnsweredAsHttp11AndAnotherMajorIs505) {
  StartServer();
  const auto send = [&](const std::string& version) {
    return HttpClient::Raw(server_->port(), "POST /echo " + version +
                                                "\r\nHost: x\r\nContent-Length: 4\r\n"
                                                "Connection: close\r\n\r\n1234");
  };
  for (const std::string v : {"HTTP/1.2", "HTTP/1.9"}) {
    const std::string out = send(v);
    EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << v << ": " << out.substr(0, 80);
    EXPECT_EQ(out.substr(out.size() - 4), "1234") << out;
  }
  for (const std::string v : {"HTTP/2.0", "HTTP/3.0", "HTTP/0.9"}) {
    const std::string out = send(v);
    EXPECT_EQ(out.rfind("HTTP/1.1 505", 0), 0u) << v << ": " << out.substr(0, 80);
    EXPECT_NE(out.find("application/problem+json"), std::string::npos) << out;
    EXPECT_NE(out.find("urn:workspaced:problem:http-version-not-supported"), std::string::npos)
        << out;
  }
  for (const std::string v : {"HTTP/1.10", "HTTP/x.1", "HTTX/1.1"}) {
    const std::string out = send(v);
    EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << v << ": " << out.substr(0, 80);
  }
  // The parser refuses a version as soon as it has arrived: a request line
  // whose CRLF comes in a later segment is decided the same (outside audit:
  // 400 for 1.2, 400 for 2.0).
  const auto split = [&](const std::string& first, const std::string& rest) {
    const int fd = ConnectLoopback(server_->port());
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::send(fd, first.data(), first.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(first.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    const std::string out = ReadUntilClosed(fd, 3000).value_or("");
    ::close(fd);
    return out;
  };
  const std::string rest = "\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  for (const std::string cut : {"", "\r"}) {
    std::string out = split("POST /echo HTTP/1.2" + cut, rest.substr(cut.size()));
    EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
    out = split("POST /echo HTTP/2.0" + cut, rest.substr(cut.size()));
    EXPECT_EQ(out.rfind("HTTP/1.1 505", 0), 0u) << out;
  }
  // Only the request line's own version decides: one later in the request,
  // or a third word on the line, leaves a malformed line a 400.
  for (const std::string raw : {"GET /echo HTTP/1.1 HTTP/2.0\r\nHost: x\r\n\r\n",
                                "GET /echo HTTP/1.1\nX-A: HTTP/2.0\r\nHost: x\r\n\r\n"}) {
    const std::string out = HttpClient::Raw(server_->port(), raw);
    EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  }
  // A keep-alive connection goes on after a 1.2 request: the next one on
  // it (pipelined, 1.1) is answered too.
  const std::string two = HttpClient::Raw(
      server_->port(),
      "POST /echo HTTP/1.2\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nB");
  EXPECT_EQ(two.rfind("HTTP/1.1 200", 0), 0u) << two;
  EXPECT_NE(two.find("HTTP/1.1 200", 1), std::string::npos) << two;
  EXPECT_EQ(two.back(), 'B') << two;
}

// Requests sent on connections the server has not accepted yet (the
// listen backlog) when it is told to stop are answered too: with no
// connection open, the shutdown used to stop the event loops before the
// backlog's sessions ran (outside audit: whole bursts reset).
TEST_F(ServerTest, ShutdownAnswersRequestsWaitingInTheListenBacklog) {
  for (int round = 0; round < 6; ++round) {  // the old loss was a matter of timing
    SCOPED_TRACE("round " + std::to_string(round));
    StartServer();
    const int port = server_->port();
    std::vector<int> fds;
    const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 150; ++i) {
      const int fd = ConnectLoopback(port);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
      fds.push_back(fd);
    }
    server_->Shutdown();
    int answered = 0;
    for (const int fd : fds) {
      const std::optional<std::string> out = ReadUntilClosed(fd, 5000);
      if (out && out->rfind("HTTP/1.1 200", 0) == 0) ++answered;
      ::close(fd);
    }
    EXPECT_EQ(answered, 150);
    server_.reset();
  }
}

TEST_F(ServerTest, MetricsCountRequestsByRoute) {
  StartServer();
  HttpClient c(server_->port());
  c.Send("POST", "/echo", {}, "1");
  c.Send("POST", "/echo", {}, "2");
  // The server records a request after its response is written, which can be
  // a moment after the client has read it.
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text = metrics_.Render();
    if (text.find("route=\"/echo\",status=\"200\"} 2") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(
      text.find("workspaced_http_requests_total{method=\"POST\",route=\"/echo\",status=\"200\"} 2"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "workspaced_http_request_duration_seconds_count{method=\"POST\",route=\"/echo\"} 2"),
      std::string::npos);
}

}  // namespace
}  // namespace workspaced::http
