// The transport against a real client on loopback: limits, timeouts,
// streaming, request ids and shutdown.
#include "http/server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "http/problem.h"
#include "http/rate_limit.h"
#include "support/http_client.h"

namespace workspaced::http {
namespace {

using workspaced::testing::HttpClient;

// A raw TCP connection to the server on loopback, from `source` (an address
// of 127/8) when given; -1 when it cannot be made.
int ConnectLoopback(int port, const char* source = nullptr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (source != nullptr) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything the server sends on `fd` until it closes it or `wait_ms` of
// silence; nullopt when it did not close it.
std::optional<std::string> ReadUntilClosed(int fd, int wait_ms) {
  timeval tv{.tv_sec = wait_ms / 1000, .tv_usec = (wait_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return out;
    if (n < 0) return errno == ECONNRESET ? std::optional<std::string>(out) : std::nullopt;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

class CountingSource : public BodySource {
 public:
  CountingSource(int chunks, std::atomic<int>* alive) : left_(chunks), alive_(alive) { ++*alive_; }
  ~CountingSource() override { --*alive_; }
  StatusOr<bool> Next(std::string& out) override {
    out.assign(64 * 1024, 'x');
    return --left_ > 0;
  }

 private:
  int left_;
  std::atomic<int>* alive_;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    opts.port = 0;
    opts.threads = 2;
    opts.access_log = false;
    auto s = Server::Start(
        opts, [this](const Request& req, Response& res) { Handle(req, res); }, metrics_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(s).value();
  }

  void Handle(const Request& req, Response& res) {
    if (req.path == "/echo") {
      res.Json(200, std::string(req.body));
      res.route = "/echo";
    } else if (req.path == "/stream") {
      res.stream = std::make_unique<CountingSource>(1000, &alive_sources_);
      res.content_type = "application/x-ndjson";
    } else if (req.path == "/authorization") {  // what the handler is told
      res.Json(200, "\"" + std::string(req.HeaderValue("Authorization")) + "|" +
                        std::to_string(req.HeaderCount("Authorization")) + "\"");
    } else if (req.path == "/slow") {
      slow_started_.Notify();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the work itself
      res.Json(200, "\"done\"");
    } else {
      SetProblem(res, 404, "no such thing", req.request_id);
    }
  }

  // Set once a handler has begun, for tests that act while it runs.
  class Event {
   public:
    void Notify() {
      std::lock_guard lock(mu_);
      set_ = true;
      cv_.notify_all();
    }
    bool WaitFor(std::chrono::milliseconds timeout) {
      std::unique_lock lock(mu_);
      return cv_.wait_for(lock, timeout, [&] { return set_; });
    }

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool set_ = false;
  };

  Metrics metrics_;
  Event slow_started_;
  std::unique_ptr<Server> server_;
  std::atomic<int> alive_sources_{0};
};

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

// A chunked body's trailer is not the header: an Authorization (or any
// field) sent there is discarded, never read as the request's (RFC 9110
// §6.5.1), and a trailer's Connection: close does not end the connection.
TEST_F(ServerTest, TrailerFieldsAreNeverTakenForHeaderFields) {
  StartServer();
  const std::string chunked =
      "POST /authorization HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1\r\n1\r\n0\r\n";
  std::string out = HttpClient::Raw(
      server_->port(), chunked + "Authorization: Bearer stolen\r\nConnection: close\r\n\r\n"
                       "GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out.substr(0, 80);
  EXPECT_NE(out.find("\"|0\""), std::string::npos) << out;
  EXPECT_EQ(out.find("stolen"), std::string::npos) << out;
  // The pipelined request after it was answered: the trailer's Connection:
  // close was not the request's.
  EXPECT_NE(out.find("HTTP/1.1 200", 10), std::string::npos) << out;
  // With one in the header too, the header's alone is the request's.
  out = HttpClient::Raw(
      server_->port(),
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
  const std::string tail = "Expect: 100-continue\r\nContent-Type: application/json\r\n"
                           "Content-Length: 7\r\nConnection: close\r\n\r\n" + body;
  const std::string v11 = HttpClient::Raw(server_->port(), "POST /echo HTTP/1.1\r\nHost: x\r\n" + tail);
  EXPECT_EQ(v11.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200", 0), 0u) << v11.substr(0, 80);
  const std::string v10 = HttpClient::Raw(server_->port(), "POST /echo HTTP/1.0\r\n" + tail);
  EXPECT_EQ(v10.find("100 Continue"), std::string::npos) << v10.substr(0, 80);
  EXPECT_NE(v10.find(" 200 "), std::string::npos) << v10.substr(0, 80);
}

// At max_connections a new client is not locked out by connections that
// hold a slot and send nothing, a byte of a header now and then, or a
// header announcing a body never sent: the one receiving its request
// longest is closed to admit it. One whose request had begun is told why by
// a 503 problem it may retry; one that sent nothing is closed without a
// word (an answer it never asked for would be taken for its next
// request's).
TEST_F(ServerTest, AtTheConnectionLimitAnIdleConnectionMakesRoomForANewOne) {
  ServerOptions o;
  o.max_connections = 3;
  const std::string stalls[] = {
      "",                                                      // nothing sent
      "G",                                                     // a header begun, never ended
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n"};  // a body never sent
  int round = 0;
  for (const std::string& stall : stalls) {
    ++round;
    server_.reset();
    StartServer(o);
    std::vector<int> held;
    for (int i = 0; i < 3; ++i) {
      const int fd = ConnectLoopback(server_->port());
      ASSERT_GE(fd, 0);
      if (!stall.empty())
        ASSERT_EQ(::send(fd, stall.data(), stall.size(), 0), static_cast<ssize_t>(stall.size()));
      held.push_back(fd);
    }
    // Time for the server to read what they sent (nothing tells a test when
    // a partial header has been read).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    HttpClient c(server_->port());
    EXPECT_EQ(c.Send("POST", "/echo", {}, "1").status, 200) << "stalled by: " << stall;
    EXPECT_NE(metrics_.Render().find("workspaced_connections_evicted_total " +
                                     std::to_string(round) + "\n"),
              std::string::npos)
        << "stalled by: " << stall;
    // One of the held connections was closed by the server (end of stream).
    int closed = 0;
    std::string said;
    for (const int fd : held) {
      // The first is waited for; the others, checked once, briefly.
      const std::optional<std::string> out = ReadUntilClosed(fd, closed == 0 ? 2000 : 1);
      if (!out) continue;
      ++closed;
      said = *out;
    }
    for (const int fd : held) ::close(fd);
    EXPECT_EQ(closed, 1) << "stalled by: " << stall;
    if (stall.empty()) {
      EXPECT_EQ(said, "") << "an idle connection is closed without a word";
      continue;
    }
    EXPECT_EQ(said.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << said.substr(0, 80);
    EXPECT_NE(said.find("Retry-After: 1\r\n"), std::string::npos) << said;
    EXPECT_NE(said.find("Connection: close\r\n"), std::string::npos) << said;
    EXPECT_NE(said.find("\r\nDate: "), std::string::npos) << said;
    EXPECT_NE(said.find("\r\nX-Request-Id: req_"), std::string::npos) << said;
    EXPECT_NE(said.find("application/problem+json"), std::string::npos) << said;
    EXPECT_NE(said.find("connection limit"), std::string::npos) << said;
  }
}

// The bytes request bodies hold now, as /metrics publishes them.
std::int64_t BodyBytesHeld(const Metrics& metrics) {
  const std::string text = metrics.Render();
  const std::string name = "\nworkspaced_http_body_bytes_held ";
  const auto at = text.find(name);
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size()));
}

// Waits (bounded) until the bodies being read hold at least `bytes`.
bool WaitForBodyBytes(const Metrics& metrics, std::int64_t bytes) {
  for (int i = 0; i < 500; ++i) {
    if (BodyBytesHeld(metrics) >= bytes) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Bodies held at once are bounded across connections, by the bytes they
// hold: while one upload has most of its body in, another whose announced
// body would not fit is a 503 with Retry-After, refused before it is read
// (not invited by 100 Continue); once the first is answered its bytes are
// free again.
TEST_F(ServerTest, BodiesOverTheMemoryBudgetAre503UntilOthersFinish) {
  ServerOptions o;
  o.body_limit = 2048;
  o.body_memory_limit = 3000;
  StartServer(o);
  const int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  const std::string body(2000, 'a');
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2002\r\nConnection: close\r\n\r\n\"";
  const std::string most = head + body.substr(0, 1900);
  ASSERT_EQ(::send(fd, most.data(), most.size(), 0), static_cast<ssize_t>(most.size()));
  ASSERT_TRUE(WaitForBodyBytes(metrics_, 1901)) << BodyBytesHeld(metrics_);
  EXPECT_LE(BodyBytesHeld(metrics_), 2002) << "never more than the body announced";
  const std::string second = "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                             "Content-Length: 2002\r\n\r\n";
  const std::string refused = HttpClient::Raw(server_->port(), second);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused.substr(0, 80);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos);
  EXPECT_EQ(refused.find("100 Continue"), std::string::npos);
  EXPECT_NE(metrics_.Render().find("workspaced_http_body_budget_refusals_total 1"),
            std::string::npos);

  const std::string rest = body.substr(1900) + "\"";
  ASSERT_EQ(::send(fd, rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
  std::string first;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) first.append(buf, n);
  ::close(fd);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first.substr(0, 80);
  EXPECT_NE(first.find("\"" + body + "\""), std::string::npos) << "the body arrived whole";
  HttpClient c(server_->port());
  EXPECT_EQ(c.Send("POST", "/echo", {}, "\"" + body + "\"").status, 200);
  // Freed when the connection reads its next request (or closes).
  for (int i = 0; i < 500 && BodyBytesHeld(metrics_) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(BodyBytesHeld(metrics_), 0);
}

// A body announced and never sent holds nothing: clients announcing bodies
// and then sending nothing do not lock every other client's writes out
// (they did while announced lengths were counted).
TEST_F(ServerTest, AnnouncedBodiesNotSentHoldNoBudget) {
  ServerOptions o;
  o.body_limit = 2048;
  o.body_memory_limit = 3000;
  StartServer(o);
  std::vector<int> stalled;
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                           "Content-Length: 2000\r\n\r\n";
  for (int i = 0; i < 5; ++i) {
    const int fd = ConnectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, n).rfind("HTTP/1.1 100 Continue", 0), 0u) << i;
    stalled.push_back(fd);
  }
  EXPECT_EQ(BodyBytesHeld(metrics_), 0);
  HttpClient c(server_->port());
  const std::string body = "\"" + std::string(1998, 'b') + "\"";
  EXPECT_EQ(c.Send("POST", "/echo", {}, body).status, 200);
  for (const int fd : stalled) ::close(fd);
}

// A body is counted as it comes, so one that announces nothing (chunked)
// is refused with a 503 once its bytes would go over the budget; what it
// held is free at once, and the body that was there first still completes.
TEST_F(ServerTest, ABodyGrowingOverTheBudgetIsRefusedAsItComes) {
  ServerOptions o;
  o.body_limit = 2048;
  o.body_memory_limit = 3000;
  StartServer(o);
  const int first = ConnectLoopback(server_->port());
  ASSERT_GE(first, 0);
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2000\r\nConnection: close\r\n\r\n\"";
  const std::string most = head + std::string(1998, 'c');  // all but the closing quote
  ASSERT_EQ(::send(first, most.data(), most.size(), 0), static_cast<ssize_t>(most.size()));
  ASSERT_TRUE(WaitForBodyBytes(metrics_, 1999));
  EXPECT_LE(BodyBytesHeld(metrics_), 2000) << "never more than the body announced";
  const std::string chunk(1500, 'd');  // 0x5dc bytes: with the first's, over 3000
  const std::string chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5dc\r\n" + chunk + "\r\n";
  const std::string refused = HttpClient::Raw(server_->port(), chunked);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused.substr(0, 80);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos);
  EXPECT_NE(metrics_.Render().find("workspaced_http_body_budget_refusals_total 1"),
            std::string::npos);
  EXPECT_LE(BodyBytesHeld(metrics_), 2000) << "the refused body's bytes are free";
  ASSERT_EQ(::send(first, "\"", 1, 0), 1);
  const std::optional<std::string> answer = ReadUntilClosed(first, 5000);
  ::close(first);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->rfind("HTTP/1.1 200", 0), 0u) << answer->substr(0, 80);
}

// One client address holds at most a sixteenth of the body budget (at
// least one body): a few addresses sending most of big bodies and then
// nothing cannot lock every other client's writes out.
TEST_F(ServerTest, OneAddressHoldsAtMostASixteenthOfTheBodyBudget) {
  ManualClock clock;
  RateLimitOptions limits;
  auto limiter = RateLimiter::Create(limits, clock, metrics_);
  ASSERT_TRUE(limiter.ok()) << limiter.status().message();
  ServerOptions o;
  o.body_limit = 4096;
  o.body_memory_limit = 16 * 4096;  // a share of one body per address
  o.rate_limiter = limiter->get();
  StartServer(o);
  const auto open_from = [&](const char* source) {
    const int fd = ConnectLoopback(server_->port(), source);
    EXPECT_GE(fd, 0) << source;
    return fd;
  };
  // A body of 4000 announced and `sent` bytes of it sent: the answer, if any.
  const auto ask = [&](int fd, std::size_t sent) {
    const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                             "Content-Length: 4000\r\n\r\n";
    EXPECT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    const std::string answer = n > 0 ? std::string(buf, n) : std::string();
    if (sent > 0 && answer.rfind("HTTP/1.1 100", 0) == 0) {
      const std::string part(sent, 'e');
      EXPECT_EQ(::send(fd, part.data(), part.size(), 0), static_cast<ssize_t>(part.size()));
    }
    return answer;
  };
  const int first = open_from("127.0.0.2");
  EXPECT_EQ(ask(first, 3000).rfind("HTTP/1.1 100 Continue", 0), 0u);
  ASSERT_TRUE(WaitForBodyBytes(metrics_, 3000));
  const int second = open_from("127.0.0.2");
  EXPECT_EQ(ask(second, 0).rfind("HTTP/1.1 503", 0), 0u);  // over its address's share
  const int other = open_from("127.0.0.3");
  EXPECT_EQ(ask(other, 0).rfind("HTTP/1.1 100 Continue", 0), 0u);  // another address gets in
  for (const int fd : {first, second, other}) ::close(fd);
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
