// Beast's client, confined to this file. Each step is asynchronous, run to
// completion on the connection's own io_context: a tcp_stream's deadline
// (expires_after) applies to asynchronous operations only, and a server
// that accepts and never answers must not hold the CLI forever.
#include "client/connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

#include "common/text.h"

namespace workspaced::client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Response headers and error bodies are bounded; a download's 2xx body is not.
constexpr std::uint64_t kMaxErrorBody = 1 << 20;
constexpr std::uint64_t kMaxBody = 64ull << 20;

// Starts one asynchronous step with `start(handler)` and runs `io` until it
// completes (or the stream's deadline closes the socket under it).
template <class Start>
beast::error_code Await(asio::io_context& io, Start start) {
  beast::error_code result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Where the path prefix breaks RFC 3986's path-abempty (segments of pchar:
// unreserved, sub-delims, ':', '@', and '%' with two hex digits), or npos.
std::size_t BadPathCharacter(std::string_view path) {
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/";
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size() || !IsHex(path[i + 1]) || !IsHex(path[i + 2])) return i;
      i += 2;
    } else if (!IsAlnum(c) && kAllowed.find(c) == std::string_view::npos) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool StaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace

StatusOr<Endpoint> ParseEndpoint(const std::string& url) {
  // A URL with credentials in it is refused without being repeated: error
  // messages reach terminals and logs.
  const std::string shown =
      url.find('@') == std::string::npos ? BoundedText(url, 200) : "(not shown: it holds '@')";
  const std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0)
    return InvalidArgument("the server URL must start with http:// (got \"" + shown +
                           "\"; TLS belongs to a proxy, see docs/cli.md)");
  if (url.rfind(scheme, 0) != 0)
    return InvalidArgument("the server URL must start with http:// (got \"" + shown + "\")");
  // What goes into the request line is visible ASCII: a space or a line
  // end in a path prefix would end the line and start a header.
  for (const char c : url)
    if (c <= 0x20 || c >= 0x7f)
      return InvalidArgument(
          "the server URL holds a space, a line end or a character that is not visible ASCII");
  std::string rest = url.substr(scheme.size());
  if (rest.find_first_of("?#") != std::string::npos)
    return InvalidArgument("the server URL must not hold a query or a fragment: " + shown);
  Endpoint e;
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    e.prefix = rest.substr(slash);
    rest.resize(slash);
    while (!e.prefix.empty() && e.prefix.back() == '/') e.prefix.pop_back();
    // Sent as it is before every /v1/… path: a character a path cannot hold
    // (", <, >, \\, ^, `, {, }, |, or a '%' not starting an escape) would make
    // the request target one servers and proxies read differently, or refuse.
    if (const auto at = BadPathCharacter(e.prefix); at != std::string::npos)
      return InvalidArgument("the server URL's path holds '" + e.prefix.substr(at, 1) +
                             "', which a URL path cannot (RFC 3986: letters, digits, "
                             "-._~!$&'()*+,;=:@/ and %XX escapes only; percent-encode it): " +
                             shown);
  }
  if (rest.find('@') != std::string::npos)
    return InvalidArgument("the server URL must not hold credentials (user:password@); give the "
                           "token with --token or TOKEN");
  std::string port;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string::npos) return InvalidArgument("malformed server URL: " + shown);
    e.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return InvalidArgument("malformed server URL: " + shown);
      port = rest.substr(close + 2);
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    e.host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (e.host.find(':') != std::string::npos)  // an IPv6 address goes in [ ]
      return InvalidArgument("malformed server URL: " + shown);
  } else {
    e.host = rest;
  }
  if (e.host.empty()) return InvalidArgument("the server URL has no host: " + shown);
  if (!port.empty()) {
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535)
      return InvalidArgument("the server URL has a bad port: " + shown);
    e.port = static_cast<std::uint16_t>(p);
  }
  return e;
}

std::string Response::Header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (EqualsIgnoreCase(k, name)) return v;
  return "";
}

struct Connection::Impl {
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  bool reused = false;  // at least one exchange finished on this connection
};

Connection::Connection(Endpoint endpoint, int timeout_seconds)
    : endpoint_(std::move(endpoint)), impl_(std::make_unique<Impl>()) {
  timeout_ = std::chrono::seconds(timeout_seconds);
}

Connection::~Connection() { Close(); }

void Connection::Close() {
  if (!impl_->stream) return;
  beast::error_code ignored;
  impl_->stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->stream.reset();
  impl_->buffer.clear();
}

namespace {

std::string Where(const Endpoint& e) { return e.host + ":" + std::to_string(e.port); }

Status Transport(const Endpoint& e, const char* what, const beast::error_code& ec) {
  // An answer that is not HTTP came from a server that was reached.
  if (ec.category() == beast::error_code(http::error::bad_value).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message)
    return Unavailable(Where(e) + " answered with something that is not valid HTTP (" + what +
                       ": " + ec.message() + ")");
  return Unavailable("cannot reach " + Where(e) + ": " + what + ": " + ec.message());
}

}  // namespace

// One exchange: connect if needed, write, read the header, then the body into
// `sink` (2xx with a sink) or into the response.
StatusOr<Response> Connection::Exchange(const Request& request, std::FILE* sink, bool& stale) {
  stale = false;
  Impl& im = *impl_;
  if (!im.stream) {
    tcp::resolver resolver(im.io);
    beast::error_code ec;
    const auto results = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
    if (ec) return Transport(endpoint_, "resolve", ec);
    im.stream.emplace(im.io);
    im.stream->expires_after(timeout_);
    ec = Await(im.io, [&](auto handler) { im.stream->async_connect(results, handler); });
    if (ec) {
      im.stream.reset();
      return Transport(endpoint_, "connect", ec);
    }
    im.reused = false;
    im.buffer.clear();
  }
  const bool was_reused = im.reused;
  auto drop = [&] {
    im.stream.reset();
    im.buffer.clear();
  };

  http::request<http::string_body> req{http::string_to_verb(request.method),
                                       endpoint_.prefix + request.target, 11};
  req.set(http::field::host, endpoint_.host + ":" + std::to_string(endpoint_.port));
  req.set(http::field::user_agent, "workspaced-cli/0.1.0");
  for (const auto& [k, v] : request.headers) req.set(k, v);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    req.body() = request.body;
    req.prepare_payload();
  }
  beast::error_code ec;
  im.stream->expires_after(timeout_);
  ec = Await(im.io, [&](auto handler) { http::async_write(*im.stream, req, handler); });
  if (ec) {
    drop();
    stale = was_reused && StaleConnection(ec);
    return Transport(endpoint_, "send", ec);
  }

  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  // The header a piece at a time, each wait bounded (not the whole header:
  // a slow but steady server is not cut).
  while (!ec && !parser.is_header_done()) {
    im.stream->expires_after(timeout_);
    ec = Await(im.io, [&](auto handler) {
      http::async_read_some(*im.stream, im.buffer, parser, handler);
    });
    if (ec == http::error::need_buffer) ec = {};
  }
  if (ec) {
    drop();
    stale = was_reused && StaleConnection(ec);
    return Transport(endpoint_, "read", ec);
  }
  Response out;
  const auto& head = parser.get();
  out.status = static_cast<int>(head.result_int());
  for (const auto& f : head)
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  const bool to_sink = sink != nullptr && out.status / 100 == 2;
  const std::uint64_t limit = to_sink ? UINT64_MAX : (sink ? kMaxErrorBody : kMaxBody);

  char chunk[16384];
  std::uint64_t total = 0;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    im.stream->expires_after(timeout_);
    // Whatever has come: the deadline bounds each wait for data, not each
    // buffer's worth (a slow, steady stream is not cut).
    ec = Await(im.io,
               [&](auto handler) { http::async_read_some(*im.stream, im.buffer, parser, handler); });
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      drop();
      // The server answered: it is not unreachable, its answer is cut.
      return Unavailable("the response from " + Where(endpoint_) + " (" +
                         std::to_string(out.status) + ") was cut short after " +
                         std::to_string(total) + " bytes of its body: " + ec.message());
    }
    const std::size_t n = sizeof chunk - parser.get().body().size;
    total += n;
    if (total > limit) {
      drop();
      return Unavailable("the response from " + Where(endpoint_) + " is too large");
    }
    if (to_sink) {
      if (n > 0 && std::fwrite(chunk, 1, n, sink) != n) {
        drop();
        return Internal("cannot write the output file");
      }
    } else {
      out.body.append(chunk, n);
    }
  }
  if (parser.keep_alive()) {
    im.reused = true;
  } else {
    drop();
  }
  return out;
}

StatusOr<Response> Connection::Send(const Request& request) { return Download(request, nullptr); }

StatusOr<Response> Connection::Download(const Request& request, std::FILE* sink) {
  bool stale = false;
  auto r = Exchange(request, sink, stale);
  // Only what is safe to send twice: the server may have read the first one.
  const bool idempotent = request.method == "GET" || request.method == "HEAD" ||
                          request.method == "PUT" || request.method == "DELETE";
  bool keyed = false;
  for (const auto& h : request.headers) keyed |= EqualsIgnoreCase(h.first, "Idempotency-Key");
  if (!r.ok() && stale && (idempotent || keyed)) return Exchange(request, sink, stale);
  return r;
}

}  // namespace workspaced::client
