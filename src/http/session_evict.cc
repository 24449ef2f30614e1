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

bool CloseLongestStalled(Server::Impl& server, std::size_t context_index, Stall stall) {
  const bool receiving = stall == Stall::kReceiving;
  const auto since = [receiving](const Session* s) {
    return receiving ? s->receiving_since() : s->writing_since();
  };
  Session* oldest = nullptr;
  for (Session* s : server.registries[context_index]) {
    if (!(receiving ? s->Receiving() : s->Writing())) continue;
    if (oldest == nullptr || since(s) < since(oldest)) oldest = s;
  }
  if (oldest == nullptr) return false;
  oldest->Evict();
  return true;
}

}  // namespace workspaced::http
