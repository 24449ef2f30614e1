#include "support/http_client.h"

#include <poll.h>
#include <strings.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>

namespace workspaced::testing {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [n, v] : headers)
    if (strcasecmp(n.c_str(), name.c_str()) == 0) return v;
  return "";
}

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  bool reused = false;  // the connection has carried a response already

  void Connect() {
    stream.emplace(ioc);
    stream->connect(tcp::endpoint(net::ip::make_address(host), port));
    buffer.clear();
    reused = false;
  }

  // Whether the server has already closed the idle connection (or sent
  // something unasked, such as a 408 before closing): then it must not carry
  // another request. A look at the socket, not a guess; the server may still
  // close it between this look and the request (see Send).
  bool ServerClosed() {
    pollfd p{stream->socket().native_handle(), POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  // Runs one asynchronous operation to completion: Beast's timeouts
  // (tcp_stream::expires_after) apply only to asynchronous operations.
  template <typename Start>
  beast::error_code Run(Start start) {
    beast::error_code result;
    start([&](beast::error_code ec, std::size_t) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

HttpClient::HttpClient(std::uint16_t port, std::string host) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::Send(const std::string& method, const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body) {
  // Sent twice, these have the effect of once (RFC 9110, 9.2.2).
  const bool idempotent =
      method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE";
  for (int attempt = 0;; ++attempt) {
    if (impl_->stream && impl_->ServerClosed()) impl_->stream.reset();
    if (!impl_->stream) impl_->Connect();
    const bool reused = impl_->reused;
    bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
    req.set(bhttp::field::host, impl_->host);
    // Each as given: a name given twice is sent twice.
    for (const auto& [n, v] : headers) req.insert(n, v);
    req.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
      req.prepare_payload();
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 33);
    if (method == "HEAD") parser.skip(true);
    impl_->stream->expires_after(std::chrono::seconds(30));
    beast::error_code ec =
        impl_->Run([&](auto done) { bhttp::async_write(*impl_->stream, req, std::move(done)); });
    if (!ec) {
      impl_->stream->expires_after(std::chrono::seconds(30));
      ec = impl_->Run([&](auto done) {
        bhttp::async_read(*impl_->stream, impl_->buffer, parser, std::move(done));
      });
    }
    if (ec) {
      const bool nothing_back = !parser.got_some() && impl_->buffer.size() == 0;
      impl_->stream.reset();
      // The stale keep-alive race only: the server closed the idle connection
      // as the request went out, so it never saw it. Anything else — a
      // timeout, a partial response, a request that may have had its effect
      // — is the test's failure to see.
      if (attempt == 0 && idempotent && reused && nothing_back && ec != beast::error::timeout)
        continue;
      throw std::runtime_error("http " + method + " " + target + " failed: " + ec.message());
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    impl_->reused = true;
    if (!res.keep_alive()) impl_->stream.reset();  // Connection: close
    return out;
  }
}

HttpResponse HttpClient::Get(const std::string& target, const std::string& token) {
  if (token.empty()) return Send("GET", target);
  return Send("GET", target, {{"Authorization", "Bearer " + token}});
}

std::string HttpClient::Raw(std::uint16_t port, const std::string& bytes, int timeout_ms) {
  // Asynchronous reads: Beast's timeouts do not apply to blocking calls.
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  beast::error_code ec;
  net::write(socket, net::buffer(bytes), ec);
  std::string out;
  std::array<char, 4096> buf;
  std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code e,
                                                                    std::size_t n) {
    out.append(buf.data(), n);
    if (!e) socket.async_read_some(net::buffer(buf), on_read);
  };
  socket.async_read_some(net::buffer(buf), on_read);
  ioc.run_for(std::chrono::milliseconds(timeout_ms));
  return out;
}

}  // namespace workspaced::testing
