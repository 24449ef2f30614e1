// Writing responses: whole bodies, HEAD, and streamed (chunked) bodies whose
// chunks a worker produces one at a time, only after the previous one was
// written (backpressure: a client that stops reading stops the work).
#include <string.h>  // explicit_bzero

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <ctime>

#include "common/log.h"
#include "common/text.h"
#include "http/problem.h"
#include "http/request_id.h"
#include "http/session.h"

namespace workspaced::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// The Date header, formatted once per second per thread.
const std::string& HttpDate() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text.assign(buf, n);
    last = now;
  }
  return text;
}

}  // namespace

namespace {

// "Name: value\r\n". A CR, LF or NUL in the value becomes a space: no
// value, whatever a handler put in it, ends the header early.
void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  const std::size_t at = out.size();
  out += value;
  for (std::size_t i = at; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0') out[i] = ' ';
  }
  out += "\r\n";
}

}  // namespace

// The status line and header of the response, written here rather than by
// Beast's serializer: one string and at most two buffers per response
// (Beast's field container and composed write cost about a third of the
// instructions of a small GET).
void Session::BuildHead(unsigned version, Framing framing, std::size_t length) {
  std::string& h = head_text_;
  h.clear();
  const int code = response_.status;
  h += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  h += std::to_string(code);
  h += ' ';
  std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(code));
  // RFC 9110's names where they changed (problem titles use them too).
  if (code == 413) reason = "Content Too Large";
  if (code == 422) reason = "Unprocessable Content";
  h += reason == "<unknown-status>" ? std::string_view("Unknown") : reason;
  h += "\r\n";
  const auto handler_sets = [&](std::string_view name) {
    for (const auto& [n, v] : response_.headers) {
      if (EqualsIgnoreCase(n, name)) return true;
    }
    return false;
  };
  AppendField(h, "Date", HttpDate());
  AppendField(h, "X-Request-Id", request_id_);
  // No response of ours is to be sniffed into another type (a CSV export or
  // an error echoing input rendered as HTML).
  AppendField(h, "X-Content-Type-Options", "nosniff");
  if (response_.no_store && !handler_sets("Cache-Control"))
    AppendField(h, "Cache-Control", "no-store");
  const bool has_body = response_.stream || !response_.Body().empty() || framing == Framing::kHead;
  if (!response_.content_type.empty() && has_body && !handler_sets("Content-Type"))
    AppendField(h, "Content-Type", response_.content_type);
  for (const auto& [name, value] : response_.headers) AppendField(h, name, value);
  if (version == 10 && keep_alive_) AppendField(h, "Connection", "keep-alive");
  if (version != 10 && !keep_alive_) AppendField(h, "Connection", "close");
  switch (framing) {
    case Framing::kLength:
    case Framing::kHead:
      AppendField(h, "Content-Length", std::to_string(length));
      break;
    case Framing::kChunked:
      AppendField(h, "Transfer-Encoding", "chunked");
      break;
    case Framing::kNone:
      break;
  }
  h += "\r\n";
}

void Session::WriteResponse(unsigned version) {
  if (method_ == Method::kHead) return WriteHeadOnly(version);
  if (response_.stream) return WriteStreamHead(version);
  // 1xx, 204 and 304 carry no body and no length.
  const int code = response_.status;
  if (code < 200 || code == 204 || code == 304) DropResponseBody();
  // A body waits here for as long as the client takes to read it (up to
  // write_timeout): connections that never read must not pin memory
  // without bound. Only a GET's answer is refused for it (503): the answer
  // to a POST, PUT, PATCH or DELETE reports a change that may have
  // committed, which a 503 would invite the client to make again; it is
  // counted and sent (such answers are small).
  if (!HoldResponse(response_.body.capacity(), /*refusable=*/method_ == Method::kGet))
    RefuseResponse();
  WriteBody(version);
}

void Session::WriteBody(unsigned version) {
  const int code = response_.status;
  const bool bodiless = code < 200 || code == 204 || code == 304;
  const std::string_view body = response_.Body();
  BuildHead(version, bodiless ? Framing::kNone : Framing::kLength, body.size());
  const std::array<net::const_buffer, 2> buffers{net::buffer(head_text_),
                                                 net::buffer(body.data(), body.size())};
  Write(buffers, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->OnWritten(ec, n);
  });
}

bool Session::HoldResponse(std::size_t bytes, bool refusable) {
  if (!refusable)
    server_.response_budget->Add(share_key_, bytes);
  else if (!server_.response_budget->Reserve(share_key_, bytes))
    return false;
  response_reserved_ += bytes;
  return true;
}

void Session::ReleaseResponse() {
  server_.response_budget->Release(share_key_, response_reserved_);
  response_reserved_ = 0;
}

void Session::RefuseResponse() {
  server_.response_budget_refused->fetch_add(1, std::memory_order_relaxed);
  DropResponseBody();
  // Counted and logged under the route that answered; the request's body
  // is still wiped after, when it was secret.
  Response refusal;
  SetProblem(refusal, 503,
             "the server holds too many responses that clients have not read; retry shortly",
             request_id_);
  refusal.SetHeader("Retry-After", "1");
  refusal.route = response_.route;
  refusal.no_store = response_.no_store;
  refusal.sensitive = response_.sensitive;
  response_ = std::move(refusal);
  // A client that does not read its answers is not given another; the
  // requests it pipelined are read and dropped so the 503 is not lost to
  // a reset (LingerClose).
  keep_alive_ = false;
  linger_ = true;
}

void Session::DropResponseBody() {
  if (response_.sensitive) explicit_bzero(response_.body.data(), response_.body.size());
  // Swapped out, not assigned: assigning an empty string keeps the
  // buffer (libstdc++), and an idle connection held its last answer.
  std::string().swap(response_.body);
  response_.fixed_body = {};
}

template <typename Buffers, typename Done>
void Session::Write(const Buffers& buffers, Done&& done) {
  stream_.expires_after(server_.options.write_timeout);
  writing_ = true;
  writing_since_ = std::chrono::steady_clock::now();
  net::async_write(stream_, buffers,
                   [self = shared_from_this(), done = std::forward<Done>(done)](
                       beast::error_code ec, std::size_t n) mutable {
                     self->writing_ = false;
                     done(ec, n);
                   });
}

void Session::WriteHeadOnly(unsigned version) {
  // The header a GET would have had: its length, or chunked for a stream.
  const int code = response_.status;
  if (code < 200 || code == 204 || code == 304) {
    // No body, so no length: a 304's would have to be the 200's (RFC 9110
    // §8.6), and 0 is not (outside audit).
    BuildHead(version, Framing::kNone, 0);
  } else if (response_.stream) {
    BuildHead(version, Framing::kChunked, 0);
  } else {
    BuildHead(version, Framing::kHead, response_.Body().size());
  }
  response_.stream.reset();
  DropResponseBody();  // never sent: not held while the head is written
  WriteHeadText(
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->OnWritten(ec, n); });
}

void Session::WriteStreamHead(unsigned version) {
  BuildHead(version, Framing::kChunked, 0);
  WriteHeadText([self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->bytes_out_ += n;
    if (ec) return self->OnWritten(ec, 0);
    self->NextChunk();
  });
}

template <typename Done>
void Session::WriteHeadText(Done&& done) {
  Write(net::buffer(head_text_), std::forward<Done>(done));
}

void Session::NextChunk() {
  // mutable: the job hands its reference on, so the last one is always
  // dropped on the session's thread.
  WorkerPool::Job job = [self = shared_from_this()]() mutable {
    self->ProduceChunk();
    Session& s = *self;
    s.server_.PostBack(s.index_, [self = std::move(self)] { self->WriteChunk(); });
  };
  if (server_.Submit(index_, job, false)) return;
  // Shutting down: the response stays truncated (the client sees it).
  response_.stream.reset();
  OnWritten(net::error::operation_aborted, 0, "shutdown");
}

void Session::ProduceChunk() {
  chunk_.clear();
  StatusOr<bool> more = response_.stream->Next(chunk_);
  chunk_failed_ = !more.ok();
  chunk_more_ = more.ok() && *more;
  if (chunk_failed_) chunk_error_ = more.status().message();
}

void Session::WriteChunk() {
  if (chunk_failed_) {
    log::Error("streamed response failed", {{"request_id", request_id_}, {"error", chunk_error_}});
    response_.stream.reset();
    return OnWritten(net::error::operation_aborted, 0, "stream_failed");
  }
  if (chunk_.empty()) return chunk_more_ ? NextChunk() : WriteLastChunk();
  // Counted while it is written, as a whole body is; one that does not fit
  // cannot be answered 503 any more (the head is out): the stream is cut.
  if (!HoldResponse(chunk_.capacity())) {
    server_.response_budget_refused->fetch_add(1, std::memory_order_relaxed);
    response_.stream.reset();
    return OnWritten(net::error::operation_aborted, 0, "memory_budget");
  }
  Write(bhttp::make_chunk(net::buffer(chunk_)),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->ReleaseResponse();
          self->bytes_out_ += n;
          if (ec) return self->OnWritten(ec, 0);
          if (self->chunk_more_) return self->NextChunk();
          self->WriteLastChunk();
        });
}

void Session::WriteLastChunk() {
  response_.stream.reset();  // the work is done; free it before the last write
  std::string().swap(chunk_);
  Write(bhttp::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->OnWritten(ec, n);
  });
}

void Session::SendEvictionNotice() {
  // Its header read, not yet handled: it has no id yet; the access log's
  // line for it (Evict) names this one too.
  const std::string request_id = NewRequestId();
  if (in_flight_) request_id_ = request_id;
  Response notice;
  SetProblem(notice, 503,
             "the server is at its connection limit and closed this connection before its "
             "request was complete; retry it",
             request_id);
  std::string wire =
      "HTTP/1.1 503 Service Unavailable\r\nDate: " + HttpDate() +
      "\r\nX-Request-Id: " + request_id + "\r\nContent-Type: " + notice.content_type +
      "\r\nContent-Length: " + std::to_string(notice.body.size()) +
      "\r\nRetry-After: 1\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + notice.body;
  // Best effort and never blocking: what the socket's send buffer takes
  // now (all of it, but for a client that stopped reading).
  boost::system::error_code ignored;
  stream_.socket().non_blocking(true, ignored);
  stream_.socket().send(net::buffer(wire), tcp::socket::message_flags{}, ignored);
  // Closing a socket with unread bytes resets the connection, and a reset
  // can discard the notice before the client reads it: what has arrived is
  // read and dropped first (bounded; a client still sending gets a reset).
  char scratch[16 * 1024];
  for (int i = 0; i < 4; ++i) {
    boost::system::error_code ec;
    if (stream_.socket().read_some(net::buffer(scratch), ec) == 0 || ec) break;
  }
}

void Session::WipeBodies() {
  explicit_bzero(response_.body.data(), response_.body.size());
  if (parser_) {
    std::string& body = parser_->get().body().bytes;
    explicit_bzero(body.data(), body.size());
  }
  response_.sensitive = false;
}

void Session::OnWritten(beast::error_code ec, std::size_t bytes, std::string_view aborted) {
  stream_.expires_never();
  bytes_out_ += bytes;
  // A response not written whole is logged as what ended it: the client
  // that went away as 499 (nginx's "client closed request"); one the server
  // cut — a client that stopped reading for write_timeout, a stream that
  // failed or went over the response memory budget, shutdown, eviction at
  // max_connections — with the status it had sent. `aborted` names which.
  if (!ec) {
    Finish(response_.status);
  } else if (!aborted.empty()) {
    Finish(response_.status, aborted);
  } else if (evicted_) {
    Finish(response_.status, "evicted");
  } else if (ec == beast::error::timeout) {
    Finish(response_.status, "write_timeout");
  } else {
    Finish(499, "client_closed");
  }
  response_.stream.reset();
  if (response_.sensitive) WipeBodies();
  std::string().swap(response_.body);  // a large body is not kept for the next request
  response_.fixed_body = {};
  std::string().swap(chunk_);
  ReleaseResponse();
  if (ec) return Close();
  if (!keep_alive_) return linger_ ? LingerClose() : Close();
  ReadHeader();
}

}  // namespace workspaced::http
