// Writing responses: whole bodies, HEAD, and streamed (chunked) bodies whose
// chunks a worker produces one at a time, only after the previous one was
// written (backpressure: a client that stops reading stops the work).
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <ctime>

#include "common/log.h"
#include "http/session.h"

namespace workspaced::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

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

template <typename Message>
void Session::SetCommonHeaders(Message& m) {
  m.set(bhttp::field::date, HttpDate());
  m.set("X-Request-Id", request_id_);
  // No response of ours is to be sniffed into another type (a CSV export or
  // an error echoing input rendered as HTML).
  m.set("X-Content-Type-Options", "nosniff");
  if (response_.no_store) m.set(bhttp::field::cache_control, "no-store");
  if (!response_.content_type.empty() && (response_.stream || !response_.body.empty()))
    m.set(bhttp::field::content_type, response_.content_type);
  for (const auto& [name, value] : response_.headers) m.set(name, value);
  m.keep_alive(keep_alive_);
}

void Session::WriteResponse(unsigned version) {
  if (method_ == Method::kHead) return WriteHeadOnly(version);
  if (response_.stream) return WriteStreamHead(version);
  out_.emplace(static_cast<bhttp::status>(response_.status), version);
  SetCommonHeaders(*out_);
  // 1xx, 204 and 304 carry no body (Beast throws if asked to frame one).
  const int code = response_.status;
  if (code < 200 || code == 204 || code == 304) response_.body.clear();
  out_->body() = std::move(response_.body);
  out_->prepare_payload();
  stream_.expires_after(server_.options.write_timeout);
  bhttp::async_write(stream_, *out_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                       self->OnWritten(ec, n);
                     });
}

void Session::WriteHeadOnly(unsigned version) {
  head_.emplace(static_cast<bhttp::status>(response_.status), version);
  SetCommonHeaders(*head_);
  if (response_.stream) {
    head_->chunked(true);
  } else {
    head_->content_length(response_.body.size());
    if (response_.body.empty() && !response_.content_type.empty())
      head_->set(bhttp::field::content_type, response_.content_type);
  }
  response_.stream.reset();
  head_serializer_.emplace(*head_);
  stream_.expires_after(server_.options.write_timeout);
  bhttp::async_write_header(stream_, *head_serializer_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->OnWritten(ec, n);
                            });
}

void Session::WriteStreamHead(unsigned version) {
  head_.emplace(static_cast<bhttp::status>(response_.status), version);
  SetCommonHeaders(*head_);
  head_->chunked(true);
  head_serializer_.emplace(*head_);
  stream_.expires_after(server_.options.write_timeout);
  bhttp::async_write_header(stream_, *head_serializer_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->bytes_out_ += n;
                              if (ec) return self->OnWritten(ec, 0);
                              self->NextChunk();
                            });
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
  OnWritten(net::error::operation_aborted, 0);
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
    return OnWritten(net::error::operation_aborted, 0);
  }
  if (chunk_.empty()) return chunk_more_ ? NextChunk() : WriteLastChunk();
  stream_.expires_after(server_.options.write_timeout);
  net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk_)),
                   [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                     self->bytes_out_ += n;
                     if (ec) return self->OnWritten(ec, 0);
                     if (self->chunk_more_) return self->NextChunk();
                     self->WriteLastChunk();
                   });
}

void Session::WriteLastChunk() {
  response_.stream.reset();  // the work is done; free it before the last write
  stream_.expires_after(server_.options.write_timeout);
  net::async_write(stream_, bhttp::make_chunk_last(),
                   [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                     self->OnWritten(ec, n);
                   });
}

void Session::OnWritten(beast::error_code ec, std::size_t bytes) {
  stream_.expires_never();
  bytes_out_ += bytes;
  Finish(ec ? 499 : response_.status);
  out_.reset();
  head_serializer_.reset();
  head_.reset();
  response_.stream.reset();
  if (ec) return Close();
  if (!keep_alive_) return linger_ ? LingerClose() : Close();
  ReadHeader();
}

}  // namespace workspaced::http
