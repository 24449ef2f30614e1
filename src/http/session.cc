// One HTTP connection: read a request, run the handler, write the response,
// repeat. See server.h for the guarantees.
#include <algorithm>
#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>
#include <optional>

#include "common/log.h"
#include "http/problem.h"
#include "http/request_id.h"
#include "http/server_impl.h"

namespace workspaced::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

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

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, std::size_t index, tcp::socket socket)
      : server_(server),
        registry_(server.registries[index]),
        stream_(std::move(socket)),
        read_timer_(stream_.get_executor()) {
    boost::system::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ip_ = ep.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    server_.connections.fetch_add(1);
  }

  ~Session() {
    registry_.erase(this);
    server_.connections.fetch_sub(1);
  }

  void Start() {
    registry_.insert(this);
    ReadHeader();
  }

  // Runs on this session's thread.
  void OnShutdown() {
    if (waiting_ && (!parser_ || !parser_->got_some())) Close();
  }

 private:
  void ArmReadTimer(std::chrono::milliseconds timeout) {
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

  // While waiting for a header the timer ticks every request_timeout: a
  // connection that has sent nothing may idle until idle_timeout; once bytes
  // have begun, the header must be complete by the next tick (so within two
  // request timeouts). This costs nothing per request: no extra wait or
  // syscall on a busy connection, only a tick on a slow one.
  void OnReadTimer() {
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

  void ReadHeader() {
    if (server_.shutting_down.load(std::memory_order_relaxed)) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    parser_->body_limit(server_.options.body_limit);
    read_timed_out_ = false;
    waiting_ = true;
    bytes_seen_at_tick_ = buffer_.size() > 0;  // pipelined: the request has begun
    idle_deadline_ = std::chrono::steady_clock::now() + server_.options.idle_timeout;
    ArmReadTimer(std::min(server_.options.request_timeout, server_.options.idle_timeout));
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    waiting_ = false;
    if (ec) return OnReadError(ec);
    started_ = std::chrono::steady_clock::now();
    server_.metrics.InFlightAdd(1);
    in_flight_ = true;
    {
      const auto& head = parser_->get();
      response_ = Response{};
      method_ = ToMethod(head.method());
      method_text_.assign(head.method_string());
      target_.assign(head.target());
    }
    if (parser_->is_done()) return Handle();
    ArmReadTimer(server_.options.request_timeout);
    const auto& req = parser_->get();
    auto it = req.find(bhttp::field::expect);
    if (it != req.end() && beast::iequals(it->value(), "100-continue")) {
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->Handle();
                      });
  }

  void OnReadError(beast::error_code ec) {
    read_timer_.cancel();
    const bool got_some = parser_ && parser_->got_some();
    if (!in_flight_) {
      started_ = std::chrono::steady_clock::now();
    }
    if (read_timed_out_) {
      if (got_some) return Reject(408, "the request was not received in time");
      return Close();
    }
    if (ec == bhttp::error::header_limit) return Reject(431, "request headers are too large");
    if (ec == bhttp::error::body_limit) return Reject(413, "request body is too large");
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof || !got_some) {
      return Close();
    }
    if (ec.category() == beast::error_code(bhttp::error::bad_method).category()) {
      return Reject(400, "malformed HTTP request");
    }
    return Close();
  }

  // Answers a request that could not be read and closes the connection.
  void Reject(int status, std::string_view detail) {
    request_id_ = NewRequestId();
    response_ = Response{};
    SetProblem(response_, status, detail, request_id_);
    response_.route = "unmatched";
    keep_alive_ = false;
    linger_ = true;
    if (!in_flight_) {
      method_ = Method::kOther;
      method_text_ = "-";
      target_.clear();
    }
    WriteResponse(11);
  }

  // After answering a request we could not read whole, the client may still
  // be sending: closing now would reset the connection and could destroy our
  // answer in the client's receive buffer. Stop sending, read and discard for
  // a moment (bounded in bytes and time), then close.
  void LingerClose() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    linger_left_ = 256 * 1024;
    read_timer_.expires_after(std::chrono::seconds(1));
    read_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->Close();
    });
    Drain();
  }

  void Drain() {
    stream_.socket().async_read_some(
        net::buffer(drain_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec || n >= self->linger_left_) return self->Close();
          self->linger_left_ -= n;
          self->Drain();
        });
  }

  void Handle() {
    read_timer_.cancel();
    auto& req = parser_->get();
    Request request;
    request.method = ToMethod(req.method());
    request.method_text = req.method_string();
    request.target = req.target();
    const auto q = request.target.find('?');
    request.path = request.target.substr(0, q);
    if (q != std::string_view::npos) request.query = request.target.substr(q + 1);
    request.body = req.body();
    request.headers.reserve(16);
    for (const auto& f : req) request.headers.push_back({f.name_string(), f.value()});
    request.remote_ip = remote_ip_;
    const std::string_view given = request.HeaderValue("X-Request-Id");
    request_id_ = IsSaneRequestId(given) ? std::string(given) : NewRequestId();
    request.request_id = request_id_;
    user_agent_.assign(request.HeaderValue("User-Agent"));
    bytes_in_ = req.body().size();

    response_ = Response{};
    try {
      server_.handler(request, response_);
    } catch (const std::exception& e) {
      log::Error("handler threw", {{"request_id", request_id_}, {"error", e.what()}});
      SetProblem(response_, 500, "internal error; quote the request id to the operator",
                 request_id_);
    }
    keep_alive_ = req.keep_alive() && !response_.close &&
                  !server_.shutting_down.load(std::memory_order_relaxed);
    WriteResponse(req.version());
  }

  template <typename Message>
  void SetCommonHeaders(Message& m) {
    m.set(bhttp::field::date, HttpDate());
    m.set("X-Request-Id", request_id_);
    if (!response_.content_type.empty() && (response_.stream || !response_.body.empty()))
      m.set(bhttp::field::content_type, response_.content_type);
    for (const auto& [name, value] : response_.headers) m.set(name, value);
    m.keep_alive(keep_alive_);
  }

  void WriteResponse(unsigned version) {
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

  // HEAD: the GET response's headers, its Content-Length, no body.
  void WriteHeadOnly(unsigned version) {
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

  void WriteStreamHead(unsigned version) {
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

  void NextChunk() {
    chunk_.clear();
    StatusOr<bool> more = response_.stream->Next(chunk_);
    if (!more.ok()) {
      log::Error("streamed response failed",
                 {{"request_id", request_id_}, {"error", more.status().message()}});
      response_.stream.reset();
      return OnWritten(net::error::operation_aborted, 0);
    }
    const bool has_more = *more;
    stream_.expires_after(server_.options.write_timeout);
    if (chunk_.empty()) {
      if (has_more) {
        // Nothing yet: yield to other connections on this thread, then ask again.
        return net::post(stream_.get_executor(),
                         [self = shared_from_this()] { self->NextChunk(); });
      }
      return WriteLastChunk();
    }
    net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk_)),
                     [self = shared_from_this(), has_more](beast::error_code ec, std::size_t n) {
                       self->bytes_out_ += n;
                       if (ec) return self->OnWritten(ec, 0);
                       if (has_more) return self->NextChunk();
                       self->WriteLastChunk();
                     });
  }

  void WriteLastChunk() {
    response_.stream.reset();  // the work is done; free it before the last write
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                       self->OnWritten(ec, n);
                     });
  }

  void OnWritten(beast::error_code ec, std::size_t bytes) {
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

  // Records metrics and the access log line for the request just answered.
  void Finish(int logged_status) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started_)
                            .count();
    if (in_flight_) {
      server_.metrics.InFlightAdd(-1);
      in_flight_ = false;
    }
    server_.metrics.Observe(server_.StatsFor(method_, method_text_, response_.route),
                            response_.status, micros);
    if (server_.options.access_log) {
      log::Info("request", {{"request_id", request_id_},
                            {"method", method_text_},
                            {"target", target_},
                            {"route", response_.route},
                            {"status", logged_status},
                            {"duration_ms", static_cast<double>(micros) / 1000.0},
                            {"bytes_in", static_cast<std::int64_t>(bytes_in_)},
                            {"bytes_out", static_cast<std::int64_t>(bytes_out_)},
                            {"remote_ip", remote_ip_},
                            {"user_agent", user_agent_}});
    }
    bytes_in_ = 0;
    bytes_out_ = 0;
  }

  void Close() {
    // A request that was read but never answered (the client went away
    // mid-body) still leaves the in-flight gauge and the access log.
    if (in_flight_) {
      response_.status = 499;
      Finish(499);
    }
    read_timer_.cancel();
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  Server::Impl& server_;
  std::unordered_set<Session*>& registry_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  net::steady_timer read_timer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool read_timed_out_ = false;
  bool waiting_ = false;    // waiting for the next request's header
  bool in_flight_ = false;  // counted in the in-flight gauge
  bool keep_alive_ = true;
  bool bytes_seen_at_tick_ = false;  // a read tick saw the header begun
  std::chrono::steady_clock::time_point idle_deadline_;
  bool linger_ = false;  // close by LingerClose (the request was not read whole)
  std::size_t linger_left_ = 0;
  std::array<char, 4096> drain_{};
  std::string remote_ip_;

  // The request being answered.
  std::chrono::steady_clock::time_point started_;
  std::string request_id_;
  Method method_ = Method::kOther;
  std::string method_text_;
  std::string target_;
  std::string user_agent_;
  std::size_t bytes_in_ = 0;
  std::size_t bytes_out_ = 0;
  Response response_;
  std::optional<bhttp::response<bhttp::string_body>> out_;
  std::optional<bhttp::response<bhttp::empty_body>> head_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> head_serializer_;
  std::string chunk_;
};

void StartSession(Server::Impl& server, std::size_t index, tcp::socket socket) {
  // The socket belongs to contexts[index]; start (and register) on its thread.
  auto session = std::make_shared<Session>(server, index, std::move(socket));
  net::post(*server.contexts[index], [session] { session->Start(); });
}

void ShutdownSession(Session* session) { session->OnShutdown(); }

}  // namespace workspaced::http
