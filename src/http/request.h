// An HTTP request as handlers see it: views into the transport's buffers,
// valid only while the handler runs. No Beast types leak out of src/http.
//
// Thread-safety: a Request is read by one handler on one thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace workspaced::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view ToString(Method m);

struct Header {
  std::string_view name;
  std::string_view value;
};

struct Request {
  Method method = Method::kOther;
  std::string_view method_text;
  std::string_view target;  // path?query (of an absolute-form target: its path on)
  std::string_view path;    // percent-encoded, without the query
  std::string_view query;   // without '?'; may be empty
  std::string_view body;
  std::vector<Header> headers;
  // The client's address: the TCP peer, or the one a trusted proxy names
  // (http/client_address.h; only with a RateLimiter configured).
  std::string_view remote_ip;
  std::string_view request_id;  // kept from X-Request-Id when sane, else generated

  // Case-insensitive; empty view when absent.
  std::string_view HeaderValue(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // How many header fields have this name (case-insensitive).
  int HeaderCount(std::string_view name) const;
  // The first value of a query parameter, percent-decoded; nullopt when
  // absent. A parameter present more than once is reported by QueryCount.
  std::optional<std::string> QueryParam(std::string_view name) const;
  int QueryCount(std::string_view name) const;
  // Every value of a query parameter, percent-decoded, in request order.
  std::vector<std::string> QueryParams(std::string_view name) const;
  // Every parameter name present (decoded), for rejecting unknown ones.
  std::vector<std::string> QueryNames() const;
};

// The target with the userinfo of an absolute-form target
// (`http://user:password@host/…`), every query part that does not name a
// parameter the API defines (name and value; names compared after
// percent-decoding: limit, cursor, status, format… are kept) and a fragment
// replaced by "REDACTED": what the access log may keep.
std::string RedactedTarget(std::string_view target);

// Whether `target` is in absolute form (`scheme://authority…`) with userinfo
// in its authority, which a sender must not generate (RFC 9110 §4.2.4).
bool HasUserinfo(std::string_view target);

// `s` percent-encoded for a query component: the RFC 3986 unreserved
// characters (letters, digits, '-', '.', '_', '~') stay, every other byte is
// %XX. What a Link header repeats of a request's query.
std::string PercentEncode(std::string_view s);

// Percent-decodes a path segment; nullopt on a bad escape or a decoded NUL.
// A decoded '/' stays inside its parameter (the router splits the path as
// sent, so it cannot add a segment): a user id of an identity provider,
// `https://idp.example.com/|alice`, is addressed as one (docs/identity.md);
// parameters that are ids are validated by their handlers.
std::optional<std::string> DecodePathSegment(std::string_view segment);

}  // namespace workspaced::http
