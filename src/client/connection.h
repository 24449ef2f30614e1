// A blocking HTTP/1.1 connection to one workspaced server, for the CLI
// client. Beast stays in connection.cc: this header names none of it.
//
// One Connection is one keep-alive TCP connection, opened on first use and
// reopened when the server closed it or asked to. http:// only: TLS is
// expected to be terminated by a proxy in front of workspaced (docs/cli.md).
// Not thread-safe: one Connection per thread.
//
// Failures are values: a transport failure (cannot resolve or connect, reset,
// timeout, malformed response) is a kUnavailable Status whose message names
// the server's address and what failed ("cannot reach …" before the
// response's header came, "the response from … was cut short after N bytes
// of its body" after); an HTTP error status is a Response, not a failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace workspaced::client {

// Where the server is: http://HOST[:PORT][/PREFIX].
struct Endpoint {
  std::string host;
  std::uint16_t port = 80;
  std::string prefix;  // path prefix without a trailing slash, usually ""
};

// Parses `url`; kInvalidArgument for anything but an http:// URL with a host.
StatusOr<Endpoint> ParseEndpoint(const std::string& url);

struct Request {
  std::string method = "GET";
  std::string target;  // origin-form: "/v1/..." (the endpoint's prefix is added)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // empty for a download that succeeded (it went to the file)
  std::string Header(const std::string& name) const;  // case-insensitive; "" if absent
};

class Connection {
 public:
  // `timeout_seconds` bounds each connect, write and read.
  explicit Connection(Endpoint endpoint, int timeout_seconds = 30);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }

  // Sends `request` and reads the whole response. A request that met a
  // reused connection closed before any response byte (the stale keep-alive
  // race) is sent once more on a fresh connection; nothing else is resent.
  StatusOr<Response> Send(const Request& request);

  // Like Send, but a 2xx body is written to `sink` as it arrives, a piece at
  // a time (never held whole); any other status's body is read into
  // Response::body. A body that ends early (the server closed without the
  // last chunk) is a kUnavailable failure.
  StatusOr<Response> Download(const Request& request, std::FILE* sink);

  // Closes the keep-alive connection, if any: the next request opens a fresh
  // one. For a request resent after a deliberate wait (Retry-After), which
  // the server or a proxy may have closed meanwhile.
  void Close();

 private:
  struct Impl;
  // One attempt; `stale` says it failed on a reused connection before any
  // response byte, so it may be sent again.
  StatusOr<Response> Exchange(const Request& request, std::FILE* sink, bool& stale);

  Endpoint endpoint_;
  std::chrono::seconds timeout_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace workspaced::client
