#include "support/http_client.h"

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

  void Connect() {
    stream.emplace(ioc);
    stream->connect(tcp::endpoint(net::ip::make_address(host), port));
    buffer.clear();
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
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->stream) impl_->Connect();
    bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
    req.set(bhttp::field::host, impl_->host);
    for (const auto& [n, v] : headers) req.set(n, v);
    req.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
      req.prepare_payload();
    beast::error_code ec;
    impl_->stream->expires_after(std::chrono::seconds(30));
    bhttp::write(*impl_->stream, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 33);
    if (!ec) bhttp::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->stream.reset();  // server closed a kept-alive connection: retry once
      if (attempt == 0) continue;
      throw std::runtime_error("http request failed: " + ec.message());
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) impl_->stream.reset();
    return out;
  }
  throw std::runtime_error("unreachable");
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
