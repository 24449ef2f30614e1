// The pure steps of reading a request, apart from any socket: the parser's
// limits, the header checks Beast leaves to us (message framing, Host), and
// building the handler's `Request` from a parsed message. Session uses them on
// its I/O thread; fuzz/http_request_fuzzer.cc feeds them bytes directly.
// Internal to src/http (includes Beast).
//
// Thread-safety: free functions over the caller's objects.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/request_body.h"
#include "http/server.h"

namespace workspaced::http {

using RequestParser = boost::beast::http::request_parser<RequestBody>;

// Applies the server's header and body limits to a fresh parser.
void LimitParser(RequestParser& parser, const ServerOptions& options);

// Why a request whose header was read is refused before its body is read;
// the connection is then closed, since where the next request begins is not
// known (RFC 9112 §6.3).
struct Refusal {
  int status;
  std::string_view detail;
};

// Refuses what Beast's parser accepts but we must not (RFC 9112 §3.2, §6):
// a Transfer-Encoding whose final coding is not `chunked` (Beast would read
// no body, and the body would be read as the next request: smuggling), or
// one with codings other than a single `chunked` (501); Transfer-Encoding
// together with Content-Length, or in an HTTP/1.0 request; an HTTP/1.1
// request without exactly one Host, a Host that is not host[:port], and two
// Content-Type fields.
// Also a target in absolute form holding userinfo (RFC 9110 §4.2.4): 400.
// And a method longer than kMaxMethodBytes: 501, as for any method we do
// not implement (RFC 9110 §9.1).
std::optional<Refusal> CheckHeader(const boost::beast::http::request_header<>& header);

// The longest method taken as one: the longest registered (IANA's HTTP Method
// Registry) is 17 bytes. A longer one is refused with 501 and is cut to this
// in the access log.
inline constexpr std::size_t kMaxMethodBytes = 64;

// Whether a request whose request line was over the header limit began with
// a method longer than kMaxMethodBytes (its first bytes hold no SP), rather
// than a long target: `received` is what the parser was given.
bool StartsWithTooLongMethod(std::string_view received);

Method ToMethod(boost::beast::http::verb verb);

// The header's fields of a parsed header, to tell them later from those a
// chunked body's trailer adds (Beast files a trailer field beside the
// header's of the same name, so position does not tell): sorted addresses.
std::vector<const void*> HeaderFieldIds(const boost::beast::http::request<RequestBody>& message);

// Removes the fields a chunked body's trailer added to `message`: every one
// not in `header_fields` (HeaderFieldIds, taken when the header was read). A
// trailer may not carry what the header decides (Authorization, framing,
// Content-Type: RFC 9110 §6.5.1) and we use none of it, so it is discarded
// as RFC 9112 §7.1.2 allows, never read as if it were the header.
void DropTrailerFields(boost::beast::http::request<RequestBody>& message,
                       const std::vector<const void*>& header_fields);

// Fills `out` (method, target, path, query, body, headers) with views into
// `message`, which must outlive it. remote_ip and request_id are the
// caller's.
void BuildRequest(const boost::beast::http::request<RequestBody>& message,
                  Request& out);

}  // namespace workspaced::http
