// The workspaced API as the CLI uses it: a Connection plus the bearer token,
// JSON bodies, and the client's manners — a 429, or a 503 to a request that
// is safe to repeat, is waited out as its Retry-After says (at most
// kMaxRetries times, each wait capped at 30 s) and resent on a fresh
// connection (the idle one is closed before the wait) before it is returned.
//
// Outcomes are values: StatusOr<Response> fails only for transport failures
// (kUnavailable) and a URL or output that cannot be used; any HTTP status,
// including 4xx and 5xx, is a Response for the caller to judge. The token is
// sent in the Authorization header only, never logged or printed.
// Not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "client/connection.h"

namespace workspaced::client {

class ApiClient {
 public:
  static constexpr int kMaxRetries = 5;
  // How the client waits (seconds); injected so tests do not sleep.
  using Sleeper = std::function<void(double seconds)>;

  // `timeout_seconds` bounds each connect, write and read (Connection).
  ApiClient(Endpoint endpoint, std::string token, Sleeper sleep, int timeout_seconds = 30);

  StatusOr<Response> Get(const std::string& target);
  // `json` is sent as application/json; empty sends no body.
  StatusOr<Response> Post(const std::string& target, const std::string& json,
                          const std::string& idempotency_key = "");
  StatusOr<Response> Patch(const std::string& target, const std::string& json);
  // Any request (PUT, DELETE, a PATCH with If-Match, …), with the same manners.
  StatusOr<Response> Send(Request request) { return Call(std::move(request), nullptr); }
  // GET whose 2xx body goes to `sink` as it arrives (Connection::Download).
  StatusOr<Response> Download(const std::string& target, std::FILE* sink);

  void Sleep(double seconds) { sleep_(seconds); }

 private:
  StatusOr<Response> Call(Request request, std::FILE* sink);

  Connection connection_;
  std::string token_;
  Sleeper sleep_;
};

// Seconds a Retry-After header asks for (delta-seconds only; an HTTP date or
// garbage gives `fallback`), capped at 30.
double RetryAfterSeconds(const std::string& header, double fallback);

// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
std::string QueryEscape(const std::string& value);

// The target of a `Link` header's rel="next", or "" when there is none.
// kInvalidArgument (the message shows the target, escaped and cut) for a
// target that is not a path on this server — an absolute URL, "//host/…",
// anything not starting with "/" — or that holds a space or a character that
// is not visible ASCII: it is put after the URL's prefix as it is.
StatusOr<std::string> NextLink(const std::string& link_header);

}  // namespace workspaced::client
