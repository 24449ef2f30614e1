// The transport's shared limits against real clients on loopback: the
// connection cap (eviction) and the body memory budget, overall and per
// client address.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "common/clock.h"
#include "http/rate_limit.h"
#include "http/server_test_fixture.h"

namespace workspaced::http {
namespace {

using namespace workspaced::http::testing;  // NOLINT: the fixture

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
      "",   // nothing sent
      "G",  // a header begun, never ended
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

// The connection evicted is the one of the whole server that has been
// receiving longest, not the longest on the newcomer's I/O thread (outside
// audit: with two threads, an idle connection that came later was closed
// while the first, its request begun, held on). Connections are spread over
// the threads in turn: A and C on one, B and the newcomer on the other.
TEST_F(ServerTest, AtTheConnectionLimitTheLongestStalledOfAllThreadsGoes) {
  ServerOptions o;
  o.max_connections = 3;
  StartServer(o);
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {
    const int fd = ConnectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    if (i == 0) ASSERT_EQ(::send(fd, "G", 1, 0), 1);  // A: a request begun
    held.push_back(fd);
    // Accepted in this order (each starts receiving when it is).
    ASSERT_TRUE(WaitUntil([&] {
      return MetricValue(metrics_, "workspaced_http_connections") ==
             static_cast<std::int64_t>(i + 1);
    }));
  }
  HttpClient c(server_->port());
  EXPECT_EQ(c.Send("POST", "/echo", {}, "1").status, 200);
  const std::optional<std::string> a = ReadUntilClosed(held[0], 2000);
  ASSERT_TRUE(a.has_value()) << "A, receiving longest, was not closed";
  EXPECT_EQ(a->rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << a->substr(0, 80);
  EXPECT_EQ(ReadUntilClosed(held[1], 1), std::nullopt) << "B was closed in A's place";
  EXPECT_EQ(ReadUntilClosed(held[2], 1), std::nullopt) << "C was closed in A's place";
  for (const int fd : held) ::close(fd);
}

// A burst of newcomers at the limit never takes the connections open past
// it: a session already evicted (closed, its handlers not yet run) is not
// picked again for the next newcomer (outside audit: bursts of 40 took 32
// to 52, the evictions counted but the sockets not closed).
TEST_F(ServerTest, ABurstAtTheConnectionLimitNeverLeavesMoreThanItOpen) {
  ServerOptions o;
  o.max_connections = 8;
  StartServer(o);
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(ConnectLoopback(server_->port()));
    ASSERT_GE(held.back(), 0);
  }
  ASSERT_TRUE(WaitUntil([&] { return MetricValue(metrics_, "workspaced_http_connections") == 8; }));
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> burst;
    std::mutex mu;
    for (int i = 0; i < 24; ++i) {
      burst.emplace_back([&] {
        const int fd = ConnectLoopback(server_->port());
        if (fd < 0) return;
        const std::string get = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
        ::send(fd, get.data(), get.size(), MSG_NOSIGNAL);
        timeval tv{.tv_sec = 2, .tv_usec = 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[256];
        ::recv(fd, buf, sizeof buf, 0);  // answered, or closed at once: kept open either way
        std::lock_guard lock(mu);
        held.push_back(fd);
      });
    }
    for (auto& t : burst) t.join();
    EXPECT_TRUE(WaitUntil([&] {
      return MetricValue(metrics_, "workspaced_http_connections") <= 8;
    })) << "round "
        << round << ": " << MetricValue(metrics_, "workspaced_http_connections")
        << " open at a limit of 8";
  }
  for (const int fd : held) ::close(fd);
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
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2002\r\nConnection: close\r\n\r\n\"";
  const std::string most = head + body.substr(0, 1900);
  ASSERT_EQ(::send(fd, most.data(), most.size(), 0), static_cast<ssize_t>(most.size()));
  ASSERT_TRUE(WaitForBodyBytes(metrics_, 1901)) << BodyBytesHeld(metrics_);
  EXPECT_LE(BodyBytesHeld(metrics_), 2002) << "never more than the body announced";
  const std::string second =
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
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
// A chunked body refused for going over body_limit frees its share of the
// body budget with the 413, not when the connection closes after its linger
// (outside audit: for about a second the client's refused bytes kept every
// other client's writes at 503).
TEST_F(ServerTest, ABodyRefusedForItsSizeFreesItsMemoryWithTheRefusal) {
  ServerOptions o;
  o.body_limit = 4096;
  o.body_memory_limit = 6000;
  StartServer(o);
  const int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  std::string chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) chunked += "400\r\n" + std::string(1024, 'a') + "\r\n";
  ASSERT_EQ(::send(fd, chunked.data(), chunked.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(chunked.size()));
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char head[64] = {};
  ASSERT_GT(::recv(fd, head, sizeof head - 1, 0), 0);
  EXPECT_EQ(std::string(head).rfind("HTTP/1.1 413", 0), 0u) << head;
  // The refused connection still lingers (open); another client's body of
  // 3,000 bytes fits the budget only if the refused one's went.
  EXPECT_EQ(BodyBytesHeld(metrics_), 0);
  HttpClient c(server_->port());
  EXPECT_EQ(c.Send("POST", "/echo", {}, std::string(3000, 'b')).status, 200);
  ::close(fd);
}

TEST_F(ServerTest, AnnouncedBodiesNotSentHoldNoBudget) {
  ServerOptions o;
  o.body_limit = 2048;
  o.body_memory_limit = 3000;
  StartServer(o);
  std::vector<int> stalled;
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
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
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2000\r\nConnection: close\r\n\r\n\"";
  const std::string most = head + std::string(1998, 'c');  // all but the closing quote
  ASSERT_EQ(::send(first, most.data(), most.size(), 0), static_cast<ssize_t>(most.size()));
  ASSERT_TRUE(WaitForBodyBytes(metrics_, 1999));
  EXPECT_LE(BodyBytesHeld(metrics_), 2000) << "never more than the body announced";
  const std::string chunk(1500, 'd');  // 0x5dc bytes: with the first's, over 3000
  const std::string chunked =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5dc\r\n" +
      chunk + "\r\n";
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
    const std::string head =
        "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
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

}  // namespace
}  // namespace workspaced::http
