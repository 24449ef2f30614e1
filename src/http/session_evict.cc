// Closing a stalled session at max_connections to admit a new one: first
// one receiving its request, then one whose response a client has stopped
// reading (Server::Impl::AdmitByEvicting). See session.h.
#include "http/session.h"

namespace workspaced::http {

using tcp = boost::asio::ip::tcp;

void Session::Evict() {
  if (Writing()) {
    // Its response has begun, so nothing more can be said on it. Closing
    // the socket cuts the write, whose completion logs it (OnWritten:
    // aborted "evicted") and frees what the response held.
    evicted_ = true;
    boost::system::error_code ignored;
    stream_.socket().close(ignored);
    return;
  }
  if (!Receiving()) return;
  // A client whose request has begun (bytes of it read, parsed or not, or
  // waiting in the socket) is told why it ends. One between requests is
  // not: an answer it never asked for would be read as the answer to its
  // next request, while a closed idle connection is one every client
  // expects and retries on. (Bytes the reactor has read and not yet handed
  // over are not seen: that client gets the plain close it got before.)
  if (in_flight_ || reading_body_ || (parser_ && parser_->got_some()) || RequestWaiting())
    SendEvictionNotice();
  if (in_flight_) {  // its header was read: logged as cut short
    response_.status = 503;
    Finish(503, "evicted");
    in_flight_ = false;
  }
  read_timer_.cancel();
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

namespace {

std::chrono::steady_clock::time_point Since(const Session* s, Stall stall) {
  return stall == Stall::kReceiving ? s->receiving_since() : s->writing_since();
}

Session* LongestStalled(Server::Impl& server, std::size_t context_index, Stall stall) {
  Session* oldest = nullptr;
  for (Session* s : server.registries[context_index]) {
    if (!(stall == Stall::kReceiving ? s->Receiving() : s->Writing())) continue;
    if (oldest == nullptr || Since(s, stall) < Since(oldest, stall)) oldest = s;
  }
  return oldest;
}

}  // namespace

std::optional<std::chrono::steady_clock::time_point> OldestStalled(Server::Impl& server,
                                                                   std::size_t context_index,
                                                                   Stall stall) {
  const Session* oldest = LongestStalled(server, context_index, stall);
  if (oldest == nullptr) return std::nullopt;
  return Since(oldest, stall);
}

bool CloseLongestStalled(Server::Impl& server, std::size_t context_index, Stall stall,
                         std::optional<std::chrono::steady_clock::time_point> stalled_by) {
  Session* oldest = LongestStalled(server, context_index, stall);
  if (oldest == nullptr) return false;
  if (stalled_by && Since(oldest, stall) > *stalled_by) return false;
  oldest->Evict();
  return true;
}

}  // namespace workspaced::http
