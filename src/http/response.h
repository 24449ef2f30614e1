// An HTTP response built by a handler. Either a complete `body`, or a
// `stream` the transport pulls chunk by chunk (chunked transfer encoding) as
// the client reads — so a large export never sits in memory whole.
//
// Thread-safety: built and consumed on one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace workspaced::http {

// Produces a streamed body. The transport calls Next only after the previous
// chunk has been written to the socket (backpressure), and destroys the
// source when the client goes away (which must stop the work).
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Appends the next chunk to `out` (which is empty on entry). Returns true
  // while more may follow, false when this was the last chunk. A non-OK
  // status aborts the response (the connection is closed mid-stream so the
  // client sees a truncated transfer, never a silently short one).
  virtual StatusOr<bool> Next(std::string& out) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Bytes that live as long as the process (compiled in: the OpenAPI
  // documents), sent when `body` is empty: neither copied per request nor
  // counted against a connection's memory.
  std::string_view fixed_body;
  std::unique_ptr<BodySource> stream;
  // The route template that served the request ("/v1/workspaces/{workspace_id}"),
  // for metrics and the access log; must outlive the response (route tables
  // live for the whole process).
  std::string_view route = "unmatched";
  // Close the connection after this response.
  bool close = false;
  // Sent with Cache-Control: no-store (an authenticated route's answer, its
  // errors included: a flag, since a problem response drops the headers).
  bool no_store = false;
  // The request's body or this response's carries secret material (a
  // secret's PUT, a reveal): once the response is written (or abandoned),
  // the transport overwrites both bodies' bytes (explicit_bzero) before
  // their memory is reused. docs/secrets.md says what else holds a copy.
  bool sensitive = false;
  // Set by a handler whose answer may leave only once something else has
  // happened (a reveal's audit event is durable: domain/pending_audit.h),
  // so that no thread waits for it. Once the handler returns, the transport
  // calls `hold` with `release` and leaves the response alone until
  // `release` runs: exactly once, from any thread, after `hold` has made
  // the response final (it may rewrite it, to an error). Never set by a
  // route that runs on the I/O thread.
  std::function<void(std::function<void()> release)> hold;

  void SetHeader(std::string name, std::string value) {
    for (auto& [n, v] : headers) {
      if (n == name) {
        v = std::move(value);
        return;
      }
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  void Json(int code, std::string json) {
    status = code;
    content_type = "application/json";
    body = std::move(json);
    fixed_body = {};
  }
  // What is sent: `body`, or else `fixed_body`.
  std::string_view Body() const { return body.empty() ? fixed_body : std::string_view(body); }
};

}  // namespace workspaced::http
