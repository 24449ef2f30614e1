// The HTTP/1.1 server: Boost.Beast over Asio, one io_context per thread, each
// connection served by one session on one thread (no locks on the hot path).
//
// Per connection: keep-alive; requests answered strictly in order, one at a
// time, with pipelined requests waiting in a bounded read buffer
// (header_limit + body_limit); a deadline on reading each request (408 once
// bytes have arrived, a silent close when idle); a deadline on every write;
// a header limit (431) and a body limit (413, decided from Content-Length
// before the body is read); `Expect: 100-continue` honoured.
//
// Every response carries X-Request-Id; every request is counted in Metrics
// and written to the access log, a response not delivered whole with why
// (`aborted`: client_closed, logged as 499; write_timeout, stream_failed or
// shutdown, logged with the status sent; docs/configuration.md).
//
// With a RateLimiter (http/rate_limit.h): a connection over the per-address
// cap is closed at accept; each request's remote_ip is its client address
// (through trusted proxies only), and a request over its address budget is
// answered 429 on the I/O thread, before any worker sees it.
//
// Threads: `threads` I/O threads own the connections and never block: they
// read, parse and write. Handlers, and each chunk of a streamed body, run on
// a pool of `workers` threads; a request that finds `queue_limit` requests
// already waiting for a worker is answered 503 with Retry-After at once.
// A request the InlinePredicate picks (cheap, non-blocking routes such as a
// liveness probe) is answered on its I/O thread, so it stays fast however
// busy the workers are.
//
// Thread-safety: Start/Shutdown/port may be called from any thread. The
// handler runs on the workers, concurrently, and must be thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/response.h"

namespace workspaced::http {

class RateLimiter;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: pick a free port (see Server::port)
  int threads = 0;            // I/O threads; 0: one per core
  int workers = 0;            // handler threads; 0: DefaultWorkers()
  std::size_t queue_limit = 1024;  // requests waiting for a worker
  std::size_t body_limit = 1 << 20;
  // Bodies read at once across connections, each counted from its header at
  // its Content-Length (body_limit when chunked) until its response is
  // sent: one that would go over is refused 503 (Retry-After) unread. One
  // client address (an IPv6 /64; never a trusted proxy) holds at most a
  // sixteenth of it (at least body_limit), so a few cannot take it all.
  std::size_t body_memory_limit = 256 << 20;
  // Whole (not streamed) response bodies held at once while they are
  // written, each counted from when its write begins until it ends (the
  // client read it, went away, or write_timeout) or the connection closes;
  // a streamed response's chunk likewise, while it is written. A response
  // that would go over is replaced by a 503 problem (Retry-After: 1) and
  // the connection closed after it; a chunk that would, ends its stream
  // (truncated, as a failed one). One client address (as for bodies) holds
  // at most a sixteenth of it, but one response of any size that fits.
  std::size_t response_memory_limit = 256 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds request_timeout{30'000};  // to read one request
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive, between requests
  std::chrono::milliseconds write_timeout{30'000};    // each write
  std::chrono::milliseconds shutdown_grace{10'000};   // in-flight requests at shutdown
  std::size_t max_connections = 10'000;
  bool access_log = true;
  RateLimiter* rate_limiter = nullptr;  // not owned; outlives the server. Null: no limits
};

using RequestHandler = std::function<void(const Request&, Response&)>;
// True for a request whose handler never blocks (runs on the I/O thread).
using InlinePredicate = std::function<bool(const Request&)>;

// Handler threads for `workers: 0`: enough that requests waiting on the
// database or a lock do not hold up the rest (4 per core, at least 4).
int DefaultWorkers();

class Server {
 public:
  // Binds and starts serving on background threads. Fails (kUnavailable) when
  // the address cannot be bound.
  static StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                 RequestHandler handler, Metrics& metrics,
                                                 InlinePredicate runs_inline = nullptr);
  ~Server();  // Shuts down if still running.

  std::uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (at most shutdown_grace),
  // runs the handlers already queued, closes every connection and joins the
  // threads. Idempotent.
  void Shutdown();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace workspaced::http
