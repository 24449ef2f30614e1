// The transport's test fixture: a real Server on loopback with a few
// handlers (echo, stream, slow, authorization), and raw-socket helpers, for
// server_test.cc and server_limits_test.cc.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
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
#include "http/server.h"
#include "support/http_client.h"

namespace workspaced::http::testing {

using workspaced::testing::HttpClient;

// A raw TCP connection to the server on loopback, from `source` (an address
// of 127/8) when given, with a receive buffer of `receive_buffer` bytes
// when given (a client that reads nothing then holds little of an answer);
// -1 when it cannot be made.
inline int ConnectLoopback(int port, const char* source = nullptr, int receive_buffer = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  // Before connect: the window offered in the handshake depends on it.
  if (receive_buffer > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
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
inline std::optional<std::string> ReadUntilClosed(int fd, int wait_ms) {
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

// The value of an unlabelled counter or gauge as /metrics renders it; -1
// when it is not there.
inline std::int64_t MetricValue(const Metrics& metrics, const std::string& name) {
  const std::string text = metrics.Render();
  const auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size() + 2));
}

// Waits (bounded, 10 s) until `done` holds; whether it did.
template <typename Done>
bool WaitUntil(Done&& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
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
  // The body of GET /big: larger than the kernel's socket buffers on
  // loopback (4 MiB sending, a few KiB receiving for a client that asks
  // for little), so a client that reads nothing never lets its write end.
  static constexpr std::size_t kBigBody = 8 << 20;

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
    } else if (req.path == "/big") {  // more than loopback's socket buffers hold
      res.status = 200;
      res.content_type = "text/plain";
      res.body.assign(kBigBody, 'y');
      res.route = "/big";
    } else if (req.path == "/healthz") {
      res.Json(200, R"({"status":"ok"})");
      res.route = "/healthz";
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

}  // namespace workspaced::http::testing
