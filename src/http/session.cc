// The request cycle of one connection: read (session_read.cc), hand the
// request to a worker, take its response back, write (session_write.cc),
// repeat. See session.h for the threading rules.
#include "http/session.h"

#include <boost/asio/post.hpp>

#include "common/log.h"
#include "common/text.h"
#include "http/client_address.h"
#include "http/problem.h"
#include "http/rate_limit.h"
#include "http/request_id.h"
#include "http/request_parse.h"

namespace workspaced::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Session::Session(Server::Impl& server, std::size_t index, tcp::socket socket, std::string remote_ip)
    : server_(server),
      index_(index),
      registry_(server.registries[index]),
      stream_(std::move(socket)),
      // What is read and not yet parsed is bounded: the parser's header
      // limit does not count a chunked body's trailer fields, which Beast
      // takes whole from the buffer (and a field over 65535 bytes throws).
      buffer_(std::min<std::size_t>(server.options.header_limit, 65'535)),
      read_timer_(stream_.get_executor()),
      remote_ip_(std::move(remote_ip)) {
  // A client's share of the memory budgets, whatever the rate limits say
  // (the budgets are memory): by its address as the connection cap counts
  // it, unless it is a trusted proxy, which carries many clients.
  const RateLimiter* limits = server_.options.rate_limiter;
  std::string storage;
  if (!remote_ip_.empty() && !(limits != nullptr && limits->IsTrustedProxy(remote_ip_)))
    share_key_ = std::string(AddressKey(remote_ip_, storage));
  boost::system::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  server_.connections.fetch_add(1);
  server_.connections_open->fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
  ReleaseBody();
  ReleaseResponse();
  if (response_.sensitive) WipeBodies();  // answered never, or not in full
  registry_.erase(this);
  server_.connections_open->fetch_sub(1, std::memory_order_relaxed);
  if (server_.connections.fetch_sub(1) == 1) {
    std::lock_guard lock(server_.drain_mu);  // Shutdown checks under it: no lost wake-up
    server_.drained.notify_all();
  }
  if (server_.options.rate_limiter != nullptr)
    server_.options.rate_limiter->CloseConnection(remote_ip_);
}

void Session::Start() {
  registry_.insert(this);
  ReadHeader();
}

void Session::OnShutdown() {
  if (!waiting_ || (parser_ && parser_->got_some())) return;
  // Its read may have taken bytes the parser has not seen yet: the read is
  // cancelled, and OnHeader closes the session only if nothing came.
  shutdown_cancelled_ = true;
  boost::system::error_code ignored;
  stream_.socket().cancel(ignored);
}

bool Session::RequestWaiting() {
  if (buffer_.size() > 0) return true;
  boost::system::error_code ec;
  const std::size_t unread = stream_.socket().available(ec);
  return !ec && unread > 0;
}

void Session::Handle() {
  read_timer_.cancel();
  reading_body_ = false;
  auto& req = parser_->get();
  if (parser_->chunked()) DropTrailerFields(req, header_field_ids_);
  BuildRequest(req, request_);
  request_.remote_ip = remote_ip_;
  const std::string_view given = request_.HeaderValue("X-Request-Id");
  request_id_ = IsSaneRequestId(given) ? std::string(given) : NewRequestId();
  request_.request_id = request_id_;
  user_agent_.assign(request_.HeaderValue("User-Agent"));
  bytes_in_ = req.body().bytes.size();
  ResetResponse();
  if (RateLimiter* limits = server_.options.rate_limiter) {
    request_.remote_ip = limits->ClientAddress(remote_ip_, request_, client_ip_);
    if (!limits->Admit(request_, response_)) return OnHandled();
  }

  if (server_.runs_inline && server_.runs_inline(request_)) {
    RunHandler();
    if (response_.hold) {  // a bug: nothing may wait on the I/O thread
      log::Error("an inline route held its answer", {{"request_id", request_id_}});
      ResetResponse();
      SetProblem(response_, 500, "internal error; quote the request id to the operator",
                 request_id_);
    }
    return OnHandled();
  }
  // mutable: the job hands its reference on, so the last one is always
  // dropped on the session's thread.
  WorkerPool::Job job = [self = shared_from_this()]() mutable {
    self->RunHandler();
    Session& s = *self;
    if (s.response_.hold) {
      // Answered by whoever releases it (Response::hold), possibly this
      // thread before hold returns; posted straight to the session's
      // thread, since the releasing thread may not be a worker.
      const auto hold = std::move(s.response_.hold);
      s.response_.hold = nullptr;
      // hold may keep this thread committing other requests' events for a
      // while: the answers its earlier jobs posted back go out first.
      s.server_.FlushPostBacks();
      hold([self = std::move(self)]() mutable {
        Session& held = *self;
        net::post(*held.server_.contexts[held.index_],
                  [self = std::move(self)] { self->OnHandled(); });
      });
      return;
    }
    s.server_.PostBack(s.index_, [self = std::move(self)] { self->OnHandled(); });
  };
  if (server_.Submit(index_, job, true)) return;
  // Every worker is busy and the queue is full: refuse at once rather than
  // queue without bound. The client may retry; nothing was done.
  SetProblem(response_, 503, "the server is busy; retry shortly", request_id_);
  response_.SetHeader("Retry-After", "1");
  OnHandled();
}

void Session::RunHandler() {
  try {
    server_.handler(request_, response_);
  } catch (const std::exception& e) {
    log::Error("handler threw", {{"request_id", request_id_}, {"error", e.what()}});
    ResetResponse();
    SetProblem(response_, 500, "internal error; quote the request id to the operator", request_id_);
  }
}

void Session::OnHandled() {
  const auto& req = parser_->get();
  keep_alive_ = req.keep_alive() && !response_.close &&
                !server_.shutting_down.load(std::memory_order_relaxed);
  WriteResponse(req.version());
}

constexpr std::size_t kLoggedTargetBytes = 1024;
constexpr std::size_t kLoggedUserAgentBytes = 512;

// Whether this answer gets an access-log line: every one but 429s, of
// which one per second (Server::Impl::last_429_logged_us).
bool Session::AccessLogged(int status) {
  if (status != 429) return true;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = server_.last_429_logged_us.load(std::memory_order_relaxed);
  if (now - last >= 1'000'000 &&
      server_.last_429_logged_us.compare_exchange_strong(last, now, std::memory_order_relaxed))
    return true;
  server_.unlogged_429s.fetch_add(1, std::memory_order_relaxed);
  return false;
}

// Records metrics and the access log line for the request just answered.
void Session::Finish(int logged_status, std::string_view aborted) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count();
  if (in_flight_) {
    server_.metrics.InFlightAdd(-1);
    in_flight_ = false;
  }
  server_.metrics.Observe(server_.StatsFor(method_, method_text_, response_.route),
                          response_.status, micros);
  if (server_.options.access_log && AccessLogged(logged_status)) {
    // What the client chose is bounded: a 12 KB path costs at most
    // kLoggedTargetBytes of log, whatever the request rate.
    const std::string target = BoundedText(RedactedTarget(target_), kLoggedTargetBytes);
    const std::string user_agent = BoundedText(user_agent_, kLoggedUserAgentBytes);
    std::vector<log::Field> fields{{"request_id", request_id_},
                                   {"method", method_text_},
                                   {"target", target},
                                   {"route", response_.route},
                                   {"status", logged_status},
                                   {"duration_ms", static_cast<double>(micros) / 1000.0},
                                   {"bytes_in", static_cast<std::int64_t>(bytes_in_)},
                                   {"bytes_out", static_cast<std::int64_t>(bytes_out_)},
                                   {"remote_ip", remote_ip_},
                                   {"user_agent", user_agent}};
    if (!aborted.empty()) fields.push_back({"aborted", aborted});
    if (logged_status == 429) {
      const auto skipped = server_.unlogged_429s.exchange(0, std::memory_order_relaxed);
      fields.push_back({"unlogged_429s_before", static_cast<std::int64_t>(skipped)});
    }
    log::Write(log::Level::kInfo, "request", fields);
  }
  bytes_in_ = 0;
  bytes_out_ = 0;
}

void Session::Close() {
  // A request that was read but never answered (the client went away
  // mid-body) still leaves the in-flight gauge and the access log.
  if (in_flight_) {
    response_.status = 499;
    Finish(499, "client_closed");
  }
  read_timer_.cancel();
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

void StartSession(Server::Impl& server, std::size_t index, tcp::socket socket, std::string peer) {
  // The socket belongs to contexts[index]; start (and register) on its thread.
  auto session = std::make_shared<Session>(server, index, std::move(socket), std::move(peer));
  net::post(*server.contexts[index], [session] { session->Start(); });
}

void ShutdownSession(Session* session) { session->OnShutdown(); }

}  // namespace workspaced::http
