#include "http/request_parse.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cctype>

namespace workspaced::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

void LimitParser(RequestParser& parser, const ServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
  parser.body_limit(options.body_limit);
}

namespace {

// The transfer codings of every Transfer-Encoding field, in order: whether
// any were sent, whether the last is `chunked`, and how many there are.
struct Codings {
  bool present = false;
  bool last_chunked = false;
  int count = 0;
};

Codings TransferCodings(const bhttp::request_header<>& header) {
  Codings c;
  // In the order sent (Beast's equal_range spans unrelated fields between
  // two of the same name).
  for (const auto& f : header) {
    if (f.name() != bhttp::field::transfer_encoding) continue;
    c.present = true;
    for (std::string_view coding : bhttp::token_list(f.value())) {
      ++c.count;
      c.last_chunked = beast::iequals(coding, "chunked");
    }
  }
  return c;
}

// RFC 9112 §3.2: Host = uri-host [ ":" port ] (RFC 3986): a reg-name of
// unreserved, pct-encoded and sub-delims characters, an IPv4 address, or an
// IP literal in brackets. Empty is valid (a target without an authority).
// Whitespace, '@', '/', '?', '#', '\\' and controls are not: a Host that one
// hop reads as another name than the next is refused, not guessed at.
bool IsValidHost(std::string_view host) {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    const std::size_t close = name.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : name.substr(1, close - 1)) {
      const bool ok = std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
      if (!ok) return false;
    }
    name = name.substr(close + 1);
    if (name.empty()) return true;
    if (name.front() != ':') return false;
    name.remove_prefix(1);
    for (char c : name)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
  }
  const std::size_t colon = name.rfind(':');
  if (colon != std::string_view::npos) {
    for (char c : name.substr(colon + 1))
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    name = name.substr(0, colon);
  }
  static constexpr std::string_view kOther = "-._~!$&'()*+,;=%";
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && kOther.find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

}  // namespace

std::optional<Refusal> CheckHeader(const bhttp::request_header<>& header) {
  if (header.method_string().size() > kMaxMethodBytes)
    return Refusal{501, "the request method is not implemented (it is longer than any method)"};
  const Codings te = TransferCodings(header);
  if (te.present) {
    // An HTTP/1.0 hop may have passed Transfer-Encoding on without knowing it
    // (RFC 9112 §6.1): the framing is faulty.
    if (header.version() < 11)
      return Refusal{400, "Transfer-Encoding is not accepted in an HTTP/1.0 request"};
    if (header.count(bhttp::field::content_length) > 0)
      return Refusal{400, "Transfer-Encoding and Content-Length together are not accepted"};
    if (!te.last_chunked) return Refusal{400, "the final transfer coding must be chunked"};
    if (te.count != 1) return Refusal{501, "only a single chunked transfer coding is supported"};
  }
  // No form of request target has a fragment (RFC 9112 §3.2): one with a
  // '#' is malformed, and would be read with its path cut at the '?' or
  // '/' after it (outside audit: `http://a:pw#x@h/v1/workspaces` was
  // served as /v1/workspaces, its credentials unnoticed).
  if (header.target().find('#') != std::string_view::npos)
    return Refusal{400, "the request target must not hold a fragment ('#')"};
  // Credentials in the target are a client's mistake or a phishing attempt
  // (RFC 9110 §4.2.4: treat them as an error); the log keeps them redacted.
  if (HasUserinfo(header.target()))
    return Refusal{400, "the request target must not hold credentials (user:password@)"};
  if (header.version() >= 11 && header.count(bhttp::field::host) != 1)
    return Refusal{400, "an HTTP/1.1 request needs exactly one Host header"};
  if (const auto host = header.find(bhttp::field::host);
      host != header.end() && !IsValidHost(host->value()))
    return Refusal{400, "the Host header is not a valid host[:port]"};
  // A singleton field (RFC 9110 §8.3): two could each be read by another hop.
  if (header.count(bhttp::field::content_type) > 1)
    return Refusal{400, "send one Content-Type header, not several"};
  // No body is decoded here: a coded one would be read as if it were not
  // (RFC 9110 §8.4: 415, with Accept-Encoding saying what is accepted).
  for (const auto& field : header) {
    if (field.name() != bhttp::field::content_encoding) continue;
    std::string_view codings = field.value();
    while (!codings.empty()) {
      const std::size_t comma = codings.find(',');
      std::string_view coding = codings.substr(0, comma);
      codings = comma == std::string_view::npos ? std::string_view() : codings.substr(comma + 1);
      while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t'))
        coding.remove_prefix(1);
      while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t'))
        coding.remove_suffix(1);
      if (!coding.empty() && !beast::iequals(coding, "identity"))
        return Refusal{415, "the body's Content-Encoding is not supported: send it unencoded"};
    }
  }
  return std::nullopt;
}

bool StartsWithTooLongMethod(std::string_view received) {
  return received.substr(0, kMaxMethodBytes + 1).find(' ') == std::string_view::npos;
}

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

namespace {

// The path and query of an absolute-form target (`http://host/path?query`),
// which RFC 9112 §3.2.2 says a server MUST accept; any other target as it is.
// We serve one origin, so the authority names nothing more than Host does.
std::string_view OriginForm(std::string_view target) {
  if (target.empty() || target.front() == '/') return target;
  const std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return target;
  const std::string_view scheme = target.substr(0, scheme_end);
  if (!beast::iequals(scheme, "http") && !beast::iequals(scheme, "https")) return target;
  const std::string_view rest = target.substr(scheme_end + 3);
  const std::size_t path = rest.find_first_of("/?");
  // No path at all is "/" (RFC 9110 §4.2.3: `GET http://host HTTP/1.1`).
  return path == std::string_view::npos ? std::string_view("/") : rest.substr(path);
}

}  // namespace

std::vector<const void*> HeaderFieldIds(const bhttp::request<RequestBody>& message) {
  std::vector<const void*> ids;
  for (const auto& f : message) ids.push_back(&f);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void DropTrailerFields(bhttp::request<RequestBody>& message,
                       const std::vector<const void*>& header_fields) {
  for (auto it = message.begin(); it != message.end();) {
    if (std::binary_search(header_fields.begin(), header_fields.end(),
                           static_cast<const void*>(&*it)))
      ++it;
    else
      it = message.erase(it);
  }
}

void BuildRequest(const bhttp::request<RequestBody>& message, Request& out) {
  out = Request{};
  out.method = ToMethod(message.method());
  out.method_text = message.method_string();
  out.target = OriginForm(message.target());
  const auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  if (q != std::string_view::npos) out.query = out.target.substr(q + 1);
  out.body = message.body().bytes;
  out.headers.reserve(16);
  for (const auto& f : message) out.headers.push_back({f.name_string(), f.value()});
}

}  // namespace workspaced::http
