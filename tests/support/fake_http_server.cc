#include "support/fake_http_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace workspaced::testing {

namespace {

// Waits up to 100 ms for `fd` to be readable, so the thread sees stop_.
bool Readable(int fd) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, 100) > 0;
}

}  // namespace

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 8) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("fake server: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeHttpServer::~FakeHttpServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string FakeHttpServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<FakeHttpServer::Request> FakeHttpServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::string FakeHttpServer::Response(int status, const std::map<std::string, std::string>& headers,
                                     const std::string& body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Fake\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

void FakeHttpServer::Serve() {
  int connections = 0;
  while (!stop_) {
    if (!Readable(listen_fd_)) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections;
    std::string pending;
    Request request;
    while (ReadRequest(fd, pending, request)) {
      request.connection = connections;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
      }
      const Reply reply = handler_(request);
      for (std::size_t at = 0; at < reply.bytes.size();) {
        const ssize_t n =
            ::send(fd, reply.bytes.data() + at, reply.bytes.size() - at, MSG_NOSIGNAL);
        if (n <= 0) break;
        at += static_cast<std::size_t>(n);
      }
      if (reply.close) break;
    }
    ::close(fd);
  }
}

bool FakeHttpServer::ReadRequest(int fd, std::string& pending, Request& out) {
  auto fill = [&] {
    while (!stop_) {
      if (!Readable(fd)) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      pending.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  };
  std::size_t end;
  while ((end = pending.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return false;
  const std::string head = pending.substr(0, end + 2);
  pending.erase(0, end + 4);
  const auto sp1 = head.find(' ');
  const auto sp2 = head.find(' ', sp1 + 1);
  out.method = head.substr(0, sp1);
  out.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t length = 0;
  for (std::size_t at = head.find("\r\n"); at + 2 < head.size(); at = head.find("\r\n", at + 2)) {
    static constexpr char kName[] = "content-length:";
    if (::strncasecmp(head.c_str() + at + 2, kName, sizeof kName - 1) == 0)
      length = std::strtoul(head.c_str() + at + 2 + sizeof kName - 1, nullptr, 10);
  }
  while (pending.size() < length)
    if (!fill()) return false;
  out.body = pending.substr(0, length);
  pending.erase(0, length);
  return true;
}

}  // namespace workspaced::testing
