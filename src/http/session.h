// One HTTP connection (see server.h for the guarantees). Internal to
// src/http: includes Beast.
//
// A session lives on its io_context's thread: reading, timers and writing
// happen there and never block. The request's handler, and each chunk of a
// streamed body, run on the server's worker pool; their result is posted
// back to the session's thread. While a handler runs, the session has no
// I/O outstanding and touches none of the state the handler uses (the
// request's buffers, response_), so no lock is needed: the pool's queue and
// the post back order the two threads.
//
// Files: session.cc (the request cycle and the hand-off to workers),
// session_read.cc (reading, read deadlines, refusals, linger-close),
// session_write.cc (writing whole and streamed responses, the response
// memory budget), session_evict.cc (closing a stalled session at
// max_connections).
#pragma once

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>

#include "http/request_parse.h"
#include "http/server_impl.h"

namespace workspaced::http {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `remote_ip`: the peer's address, "" when unknown.
  Session(Server::Impl& server, std::size_t index, boost::asio::ip::tcp::socket socket,
          std::string remote_ip);
  ~Session();

  void Start();
  // Shutting down: closes the session if it waits for a request and none
  // has begun to arrive (bytes read, or in the socket unread).
  void OnShutdown();
  // Still receiving its request, header or body (CloseLongestStalled): a
  // byte a second, or a header announcing a body never sent, holds a slot
  // as well as nothing. Since when (the earliest began first).
  // A session already closed (evicted, its handlers not yet run) is
  // neither: picked again, it freed nothing while another newcomer was
  // admitted in its name (outside audit: bursts took the open count past
  // max_connections).
  bool Receiving() const { return (waiting_ || reading_body_) && stream_.socket().is_open(); }
  std::chrono::steady_clock::time_point receiving_since() const { return receiving_since_; }
  // Waiting for a write of its response to complete (CloseLongestStalled):
  // a client that stopped reading holds a slot, and the response's memory,
  // until write_timeout. Since when that write began.
  bool Writing() const { return writing_ && stream_.socket().is_open(); }
  std::chrono::steady_clock::time_point writing_since() const { return writing_since_; }
  // Closes a session that is Receiving() or Writing() to make room for a
  // new connection. One receiving is first sent a 503 with Retry-After
  // (best effort, never blocking); one writing cannot be (its response has
  // begun): its write is cut, logged as aborted "evicted".
  void Evict();

 private:
  void SendEvictionNotice();
  using Parser = RequestParser;

  // session_read.cc
  void ArmReadTimer(std::chrono::milliseconds timeout);
  void OnReadTimer();
  void ReadHeader();
  // Reads (on) the header into parser_: ReadHeader's read, or its
  // continuation after OnShutdown cancelled it.
  void ContinueHeader();
  // Bytes of a request are here: read and not parsed, or in the socket.
  bool RequestWaiting();
  // method_, method_text_ and target_ from the parser's request line.
  void NoteRequestLine();
  // `consumed`: what the parser took from the buffer in this read.
  // Wipes and frees the request body the parser holds, and its reservation.
  void DropBody();
  void OnHeader(boost::beast::error_code ec, std::size_t consumed);
  void ReadBody();
  // A chunked body's pending framing (or only its first line) holds an LF
  // without its CR (400).
  bool BareLineFeedInFraming(bool first_line_only = false);
  void OnReadError(boost::beast::error_code ec);
  // The detail of a 400 for a parser's error (its category is Beast's).
  std::string_view MalformedDetail(boost::beast::error_code ec) const;
  // After the parser refused the request line's version: reads an HTTP/1.x
  // (x > 1) request as 1.1, answers another major version 505. False when
  // neither applies (a version that is not d.d: a 400).
  bool AnswerOtherVersion();
  void Reject(int status, std::string_view detail);
  // The server's body memory budget, counted by what bodies hold, not by
  // what they announce. AdmitBody: false when the length the parsed header
  // announces would not fit now (nothing is counted yet). GrowBody, after
  // each read: counts what the body's string has grown to; false (the body
  // is refused, 503) when that goes over the budget or the address's share.
  bool AdmitBody();
  bool GrowBody();
  void RefuseBody();
  void ReleaseBody();
  void LingerClose();
  void Drain();

  // session.cc
  void Handle();
  void RunHandler();  // on a worker
  void OnHandled();   // back on the session's thread
  // `aborted`: why the response was not delivered whole, if it was not
  // (the access log's field; docs/configuration.md).
  void Finish(int logged_status, std::string_view aborted = {});
  bool AccessLogged(int status);
  void Close();

  // session_write.cc
  enum class Framing { kLength, kHead, kChunked, kNone };
  // The server's response memory budget, for the body (or streamed chunk)
  // about to be written: false, with nothing counted, when it would go over
  // the budget or the address's share; counted whatever the budget when not
  // `refusable` (the answer to a change). ReleaseResponse gives it back.
  bool HoldResponse(std::size_t bytes, bool refusable = true);
  void ReleaseResponse();
  // Replaces the response by a small 503 problem and closes after it.
  void RefuseResponse();
  // Frees the response's body (wiped first when it is sensitive).
  void DropResponseBody();
  // A fresh response_, the last one's buffers freed (assigning Response{}
  // would keep its body's capacity: an idle connection pinned its last
  // answer, outside the response budget).
  void ResetResponse() {
    Response last = std::move(response_);
    response_ = Response{};
  }
  // Writes `buffers` under write_timeout, as Writing() while it waits.
  template <typename Buffers, typename Done>
  void Write(const Buffers& buffers, Done&& done);
  void BuildHead(unsigned version, Framing framing, std::size_t length);
  template <typename Done>
  void WriteHeadText(Done&& done);
  void WriteBody(unsigned version);
  void WriteResponse(unsigned version);
  void WriteHeadOnly(unsigned version);
  void WriteStreamHead(unsigned version);
  void NextChunk();     // asks a worker for the next chunk
  void ProduceChunk();  // on a worker
  void WriteChunk();    // back on the session's thread
  void WriteLastChunk();
  // `aborted`: set when the server itself ends the response early (a
  // failed stream, shutdown); else an error is read from `ec`.
  void OnWritten(boost::beast::error_code ec, std::size_t bytes, std::string_view aborted = {});
  // Overwrites the request's and the response's bodies (Response::sensitive).
  void WipeBodies();

  Server::Impl& server_;
  const std::size_t index_;  // of the io_context the session lives on
  std::unordered_set<Session*>& registry_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer read_timer_;
  std::optional<Parser> parser_;
  bool read_timed_out_ = false;
  std::size_t framing_checked_ = 0;  // of buffer_, by BareLineFeedInFraming
  bool waiting_ = false;             // waiting for the next request's header
  bool shutdown_cancelled_ = false;  // OnShutdown cancelled that wait's read
  bool reading_body_ = false;        // its header read, its body not yet whole
  std::chrono::steady_clock::time_point receiving_since_;  // when waiting_ began
  bool in_flight_ = false;                                 // counted in the in-flight gauge
  std::vector<const void*> header_field_ids_;              // a chunked request's header fields
  // The peer's address as the memory budgets' shares count it (an IPv6
  // /64); "" for a trusted proxy, which carries many clients, or unknown.
  std::string share_key_;
  std::size_t body_reserved_ = 0;      // of Server::Impl::body_budget, for this request's body
  std::size_t response_reserved_ = 0;  // of Server::Impl::response_budget
  bool writing_ = false;               // a write of the response is outstanding
  std::chrono::steady_clock::time_point writing_since_;
  bool evicted_ = false;  // closed by Evict while writing
  bool keep_alive_ = true;
  bool bytes_seen_at_tick_ = false;  // a read tick saw the header begun
  std::chrono::steady_clock::time_point idle_deadline_;
  bool minor_version_lowered_ = false;  // this request's HTTP/1.x read as 1.1
  // Bytes of this request's head (request line, fields, blank line) the
  // parser took: Beast's own limit moves with how the bytes were split
  // (up to 32 bytes over it passed when they came at once), this one does not.
  std::size_t head_bytes_ = 0;
  bool linger_ = false;  // close by LingerClose (the request was not read whole)
  std::size_t linger_left_ = 0;
  std::array<char, 4096> drain_{};
  std::string remote_ip_;  // the peer
  std::string client_ip_;  // the client behind a trusted proxy, when one says so

  // The request being answered.
  std::chrono::steady_clock::time_point started_;
  std::string request_id_;
  Method method_ = Method::kOther;
  std::string method_text_;
  std::string target_;
  std::string user_agent_;
  std::size_t bytes_in_ = 0;
  std::size_t bytes_out_ = 0;
  Request request_;  // views into parser_; valid until the next ReadHeader
  Response response_;
  std::string head_text_;  // the status line and header being written
  std::string chunk_;
  bool chunk_more_ = false;    // more chunks follow chunk_
  bool chunk_failed_ = false;  // producing chunk_ failed: chunk_error_ says why
  std::string chunk_error_;
};

}  // namespace workspaced::http
