// Reading requests: header and body with their deadlines, refusals of what
// cannot be read or framed (400, 408, 413, 431, 501) and the lingering close
// after them.
#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <utility>

#include "common/text.h"
#include "http/problem.h"
#include "http/rate_limit.h"
#include "http/request_id.h"
#include "http/request_parse.h"
#include "http/session.h"

namespace workspaced::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

constexpr std::string_view kBareLineFeed =
    "a chunk line or trailer field must end in CRLF, not a bare LF";

constexpr std::string_view kLengthAndCoding =
    "Transfer-Encoding and Content-Length together are not accepted";

}  // namespace

// What the parser refused, said as precisely as its error allows. The
// field that conflicts is refused before it is stored, so the header as
// far as it was read holds the one it conflicts with.
std::string_view Session::MalformedDetail(beast::error_code ec) const {
  const bool has_length = parser_ && parser_->get().count(bhttp::field::content_length) > 0;
  const bool has_coding = parser_ && parser_->get().count(bhttp::field::transfer_encoding) > 0;
  // Past the header, these fields can only have come in a chunked body's
  // trailer (outside audit: its detail blamed the header).
  const bool in_trailer = parser_ && parser_->is_header_done();
  switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::bad_transfer_encoding:
    case bhttp::error::bad_content_length:
    case bhttp::error::multiple_content_length:
      if (in_trailer) return "a trailer must not hold Content-Length or Transfer-Encoding";
      break;
    default:
      break;
  }
  switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::bad_transfer_encoding:
      return has_length ? kLengthAndCoding
                        : "Transfer-Encoding must be sent once, with chunked last";
    case bhttp::error::bad_content_length:
      return has_coding ? kLengthAndCoding : "Content-Length must be one decimal number";
    case bhttp::error::multiple_content_length:
      return "Content-Length is sent twice with different values";
    case bhttp::error::bad_chunk:
      return "malformed chunk: a chunk size is hexadecimal, and a chunk's data ends in CRLF";
    case bhttp::error::bad_chunk_extension:
      return "malformed chunk size or extension: a size is hexadecimal digits only, an "
             "extension ;name[=value]";
    case bhttp::error::bad_line_ending:
      return "a line must end in CRLF";
    default:
      return "malformed HTTP request";
  }
}

void Session::ArmReadTimer(std::chrono::milliseconds timeout) {
  read_timer_.expires_after(timeout);
  read_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    // A timer that fired in the same turn as the read it guarded completed
    // has since been re-armed (or cancelled): not a timeout.
    if (!self || self->read_timer_.expiry() > std::chrono::steady_clock::now()) return;
    self->OnReadTimer();
  });
}

void Session::OnReadTimer() {
  const auto now = std::chrono::steady_clock::now();
  if (waiting_) {
    const bool started = parser_ && parser_->got_some();
    if (!started && now < idle_deadline_) {
      bytes_seen_at_tick_ = false;
      return ArmReadTimer(
          std::min(server_.options.request_timeout,
                   std::chrono::duration_cast<std::chrono::milliseconds>(idle_deadline_ - now) +
                       std::chrono::milliseconds(1)));
    }
    if (started && !bytes_seen_at_tick_) {
      bytes_seen_at_tick_ = true;
      return ArmReadTimer(server_.options.request_timeout);
    }
  }
  read_timed_out_ = true;
  boost::system::error_code ignored;
  stream_.socket().cancel(ignored);
}

bool Session::AdmitBody() {
  // An announced length that does not fit now is refused before it is
  // read; nothing is held for it until its bytes come (GrowBody).
  const auto length = parser_->content_length();
  if (!length) return true;
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(*length, server_.options.body_limit));
  return server_.body_budget->Fits(share_key_, want);
}

bool Session::GrowBody() {
  const std::size_t held = parser_->get().body().bytes.capacity();
  if (held <= body_reserved_) return true;
  if (!server_.body_budget->Reserve(share_key_, held - body_reserved_)) return false;
  body_reserved_ = held;
  return true;
}

void Session::ReleaseBody() {
  server_.body_budget->Release(share_key_, body_reserved_);
  body_reserved_ = 0;
}

void Session::ReadHeader() {
  // Shutting down, a request already sent is answered (Connection: close)
  // rather than reset: its client could not tell whether it ran. An idle
  // connection closes.
  if (server_.shutting_down.load(std::memory_order_relaxed) && !RequestWaiting()) return Close();
  ReleaseBody();  // the last request's body goes with its parser
  parser_.emplace();
  LimitParser(*parser_, server_.options);
  parser_->get().body().growth_cap = server_.options.body_limit;
  read_timed_out_ = false;
  framing_checked_ = 0;
  minor_version_lowered_ = false;
  head_bytes_ = 0;
  receiving_since_ = std::chrono::steady_clock::now();
  bytes_seen_at_tick_ = buffer_.size() > 0;  // pipelined: the request has begun
  idle_deadline_ = std::chrono::steady_clock::now() + server_.options.idle_timeout;
  ArmReadTimer(std::min(server_.options.request_timeout, server_.options.idle_timeout));
  ContinueHeader();
}

void Session::ContinueHeader() {
  waiting_ = true;
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t consumed) {
                             self->OnHeader(ec, consumed);
                           });
}

void Session::OnHeader(beast::error_code ec, std::size_t consumed) {
  waiting_ = false;
  head_bytes_ += consumed;
  // Closed meanwhile (evicted at max_connections): a header the reactor
  // had read is not handled, or it would run for a client already cut off,
  // who could never see what it did.
  if (!stream_.socket().is_open()) return;
  if (std::exchange(shutdown_cancelled_, false) && ec == net::error::operation_aborted &&
      !read_timed_out_) {
    // Cancelled by OnShutdown: a request begun goes on (its parser keeps
    // what it read), an idle connection closes.
    if ((parser_ && parser_->got_some()) || RequestWaiting()) return ContinueHeader();
    return Close();
  }
  if (!ec && head_bytes_ > server_.options.header_limit) ec = bhttp::error::header_limit;
  if (ec) return OnReadError(ec);
  started_ = std::chrono::steady_clock::now();
  server_.metrics.InFlightAdd(1);
  in_flight_ = true;
  {
    const auto& head = parser_->get();
    // Only a chunked body has a trailer to tell apart.
    if (parser_->chunked()) header_field_ids_ = HeaderFieldIds(head);
    ResetResponse();
    NoteRequestLine();
    // Before the body: a request whose end is uncertain is never handled.
    if (auto refusal = CheckHeader(head.base())) return Reject(refusal->status, refusal->detail);
  }
  if (parser_->is_done()) return Handle();
  // Bodies held at once are bounded across connections, not only each: a
  // crowd of slow uploads would hold body_limit each.
  if (!AdmitBody()) return RefuseBody();
  reading_body_ = true;
  ArmReadTimer(server_.options.request_timeout);
  const auto& req = parser_->get();
  auto it = req.find(bhttp::field::expect);
  // HTTP/1.0 has no interim responses: its expectation is ignored
  // (RFC 9110 §10.1.1).
  if (it != req.end() && req.version() >= 11 && beast::iequals(it->value(), "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->Close();
                       self->ReadBody();
                     });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  // What is buffered first (read with the header, or pipelined), then the
  // socket a read at a time (at most the read buffer's 64 KiB), so that the
  // memory the body holds is counted as it grows; one deadline for the
  // whole body (request_timeout, armed with its header).
  const auto refuse_bare_line_feed = [this] {
    read_timer_.cancel();
    reading_body_ = false;
    Reject(400, kBareLineFeed);
  };
  while (buffer_.size() > 0) {
    beast::error_code ec;
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (used > 0) framing_checked_ = 0;
    if (!GrowBody()) return RefuseBody();
    if (ec == bhttp::error::need_more) {
      if (BareLineFeedInFraming()) return refuse_bare_line_feed();
      break;
    }
    if (ec) {
      // Beast reads an LF inside a chunk line as a bad size or extension:
      // said as what it is, as when it waits on one.
      const bool framing = ec == bhttp::error::bad_chunk || ec == bhttp::error::bad_chunk_extension;
      if (framing && BareLineFeedInFraming(/*first_line_only=*/true))
        return refuse_bare_line_feed();
      return OnReadError(ec);
    }
    if (parser_->is_done()) return Handle();
    if (used == 0) break;
  }
  const std::size_t room = beast::read_size(buffer_, 64 * 1024);
  if (room == 0) return OnReadError(bhttp::error::buffer_overflow);
  stream_.async_read_some(buffer_.prepare(room),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            // Closed meanwhile (evicted): as OnHeader.
                            if (!self->stream_.socket().is_open()) return;
                            self->buffer_.commit(n);
                            if (ec == net::error::eof) {
                              // As Beast's own read: the parser says whether the body could
                              // end here (it cannot: partial_message).
                              ec = {};
                              self->parser_->put_eof(ec);
                              if (!ec)
                                return self->parser_->is_done() ? self->Handle() : self->ReadBody();
                            }
                            if (ec) return self->OnReadError(ec);
                            self->ReadBody();
                          });
}

bool Session::BareLineFeedInFraming(bool first_line_only) {
  // Only a chunked body has framing inside it. What the parser leaves
  // unconsumed there is a chunk line or the trailer, never chunk data
  // (which it takes as it comes), and a line of either ends in CRLF: a
  // bare LF means no later byte can make it whole, and Beast would wait
  // for them until the deadline. Each byte is looked at once while the
  // parser waits at the same place (framing_checked_). After a refusal,
  // only the line it stopped at is framing (what follows may be data).
  if (!parser_->chunked()) return false;
  const auto* bytes = static_cast<const char*>(buffer_.data().data());
  const std::size_t size = buffer_.size();
  for (std::size_t i = first_line_only ? 0 : framing_checked_; i < size; ++i) {
    if (bytes[i] != '\n') continue;
    if (i == 0 || bytes[i - 1] != '\r') return true;
    if (first_line_only) return false;
  }
  framing_checked_ = size;
  return false;
}

void Session::DropBody() {
  if (parser_) {
    std::string& held = parser_->get().body().bytes;
    explicit_bzero(held.data(), held.size());
    std::string().swap(held);
  }
  ReleaseBody();
}

void Session::RefuseBody() {
  read_timer_.cancel();
  reading_body_ = false;
  DropBody();  // what it held goes now
  if (server_.body_budget_refused != nullptr)
    server_.body_budget_refused->fetch_add(1, std::memory_order_relaxed);
  Reject(503, "the server is reading too many request bodies at once; retry shortly");
}

void Session::OnReadError(beast::error_code ec) {
  read_timer_.cancel();
  reading_body_ = false;
  const bool got_some = parser_ && parser_->got_some();
  if (!in_flight_) {
    started_ = std::chrono::steady_clock::now();
  }
  if (read_timed_out_) {
    if (got_some) return Reject(408, "the request was not received in time");
    return Close();
  }
  if (ec == bhttp::error::header_limit) {
    // Without a request line parsed, the buffer holds the head from its
    // start: a method longer than any (501, as CheckHeader answers a
    // shorter one), or a line with no end within the limit, a long target
    // (414). A line that ended there was not parsed only because its
    // first bytes came alone (the parser then waits for the whole head):
    // the fields are what is large (431), as when it came at once.
    if (parser_ && parser_->get().target().empty()) {
      const std::string_view received(static_cast<const char*>(buffer_.data().data()),
                                      buffer_.size());
      if (StartsWithTooLongMethod(received))
        return Reject(501, "the request method is not implemented (it is longer than any method)");
      if (received.find('\n') == std::string_view::npos)
        return Reject(414, "the request target is too long");
    }
    return Reject(431, "request headers are too large");
  }
  if (ec == bhttp::error::body_limit) return Reject(413, "request body is too large");
  // The read buffer filled before a part the parser takes whole: a
  // chunked body's trailer fields (or a chunk line) over the header limit.
  if (ec == bhttp::error::buffer_overflow)
    return Reject(431, "request header or trailer fields are too large");
  if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::eof || !got_some) {
    return Close();
  }
  if (ec == bhttp::error::bad_version && got_some && AnswerOtherVersion()) return;
  if (ec.category() == beast::error_code(bhttp::error::bad_method).category())
    return Reject(400, MalformedDetail(ec));
  return Close();
}

// The parser takes HTTP/1.0 and 1.1 only. RFC 9112 §2.3: a later minor
// version of HTTP/1 is answered as the highest this server speaks (1.1);
// another major version in this syntax is a 505. The parser refuses the
// request line with the whole header in the buffer, none of it consumed.
bool Session::AnswerOtherVersion() {
  auto* data = static_cast<char*>(buffer_.data().data());
  const std::string_view received(data, buffer_.size());
  // The request line, up to its end or to what has arrived of it: the
  // parser refuses a version as soon as its "HTTP/d.d" is there, before
  // the line's CRLF may have come.
  const std::string_view line = received.substr(0, received.find_first_of("\r\n"));
  constexpr std::string_view kHttp = "HTTP/";
  if (line.size() < kHttp.size() + 3 || std::ranges::count(line, ' ') != 2) return false;
  const std::size_t at = line.size() - kHttp.size() - 3;  // "HTTP/d.d" ends the line
  const std::string_view version = line.substr(at);
  if (version.substr(0, kHttp.size()) != kHttp || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      !std::isdigit(static_cast<unsigned char>(version[7])) || line[at - 1] != ' ')
    return false;
  if (version[5] != '1') {
    Reject(505, "this server speaks HTTP/1.1 (and 1.0), not " + std::string(version));
    return true;
  }
  if (version[7] < '2' || minor_version_lowered_) return false;
  data[at + 7] = '1';  // read as HTTP/1.1, answered as HTTP/1.1
  minor_version_lowered_ = true;
  head_bytes_ = 0;  // the new parser reads the head again from its start
  parser_.emplace();
  LimitParser(*parser_, server_.options);
  parser_->get().body().growth_cap = server_.options.body_limit;
  ArmReadTimer(server_.options.request_timeout);
  ContinueHeader();
  return true;
}

void Session::NoteRequestLine() {
  const auto& head = parser_->get();
  method_ = ToMethod(head.method());
  // The method is a token a client chose: one longer than any (refused
  // in CheckHeader) is kept as long as the access log takes it.
  const std::string_view method = head.method_string();
  if (method.size() <= kMaxMethodBytes)
    method_text_.assign(method);
  else
    method_text_ = BoundedText(method, kMaxMethodBytes);
  target_.assign(head.target());
}

void Session::Reject(int status, std::string_view detail) {
  // No handler reads a refused request's body: it goes now, not when the
  // session ends after its linger (outside audit: a chunked body over the
  // limit held its share of body memory for a second, and a few such
  // requests had everyone's writes answered 503).
  DropBody();
  request_id_ = NewRequestId();
  ResetResponse();
  SetProblem(response_, status, detail, request_id_);
  if (status == 415) response_.SetHeader("Accept-Encoding", "identity");  // a content coding
  if (status == 503) response_.SetHeader("Retry-After", "1");
  response_.route = "unmatched";
  keep_alive_ = false;
  linger_ = true;
  if (!in_flight_) {
    // Refused before it was handled: the log names its request line when
    // the parser has it (a Content-Length over the body limit is refused
    // with the whole head read; it was logged "-"), else "-".
    if (parser_ && !parser_->get().target().empty()) {
      NoteRequestLine();
    } else {
      method_ = Method::kOther;
      method_text_ = "-";
      target_.clear();
    }
  }
  WriteResponse(11);
}

void Session::LingerClose() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  linger_left_ = 256 * 1024;
  read_timer_.expires_after(std::chrono::seconds(1));
  read_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->Close();
  });
  Drain();
}

void Session::Drain() {
  stream_.socket().async_read_some(
      net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        if (ec || n >= self->linger_left_) return self->Close();
        self->linger_left_ -= n;
        self->Drain();
      });
}

}  // namespace workspaced::http
