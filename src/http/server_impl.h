// Internals shared by server.cc and session.cc. Includes Asio: never include
// this from anything outside src/http.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/worker_pool.h"
#include "http/byte_budget.h"
#include "http/server.h"

namespace workspaced::http {

class Session;

// What a connection at max_connections is stalled in, in the order they are
// evicted (Server::Impl::AdmitByEvicting).
enum class Stall { kReceiving, kWriting };

struct Server::Impl {
  ServerOptions options;
  RequestHandler handler;
  InlinePredicate runs_inline;  // may be empty: every request goes to a worker
  Metrics& metrics;
  // Where handlers and streamed chunks run. Stopped (drained) before the
  // contexts, whose sessions its jobs post back to.
  std::shared_ptr<WorkerPool> workers;  // shared: the metrics gauges hold weak references

  // Declared before `contexts`: sessions destroyed with a context touch it.
  std::atomic<std::size_t> connections{0};
  std::atomic<std::int64_t>* connections_open = nullptr;  // the gauge of `connections`
  // Signalled when the last connection closes: Shutdown waits on it.
  std::mutex drain_mu;
  std::condition_variable drained;
  std::atomic<std::uint64_t>* connections_refused = nullptr;     // over max_connections
  std::atomic<std::uint64_t>* connections_evicted = nullptr;     // stalled, closed for a new one
  std::atomic<std::int64_t> last_cap_logged_us{-1'000'000'000};  // steady clock
  // Bytes request bodies hold while being read (options.body_memory_limit;
  // Session::AdmitBody, Session::GrowBody) and whole response bodies hold
  // while being written (options.response_memory_limit;
  // Session::HoldResponse), each with a share per client address.
  std::unique_ptr<ByteBudget> body_budget;
  std::unique_ptr<ByteBudget> response_budget;
  std::atomic<std::uint64_t>* body_budget_refused = nullptr;
  std::atomic<std::uint64_t>* response_budget_refused = nullptr;
  // Live sessions per io_context, touched only on that context's thread.
  // Declared before `contexts` so it outlives the handlers they destroy.
  std::vector<std::unordered_set<Session*>> registries;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  // Accepting runs on a context and thread of its own: a slow handler on a
  // session thread never delays new connections.
  std::unique_ptr<boost::asio::io_context> accept_context;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::unique_ptr<boost::asio::steady_timer> accept_pause;  // after an accept error
  std::vector<std::thread> threads;
  std::uint16_t port = 0;

  std::atomic<std::size_t> next_context{0};
  std::atomic<bool> shutting_down{false};
  // The access log writes at most one 429 line per second (a flood of
  // refusals must not become a flood of log); the lines it skipped are
  // counted in the next one it writes.
  std::atomic<std::int64_t> last_429_logged_us{0};
  std::atomic<std::uint64_t> unlogged_429s{0};

  std::mutex shutdown_mu;
  bool stopped = false;  // guarded by shutdown_mu

  // Per context, touched only on its thread: a WakeOne is posted for the
  // jobs queued in this turn of its event loop.
  std::vector<char> wake_posted;

  Impl(const ServerOptions& o, RequestHandler h, InlinePredicate i, Metrics& m)
      : options(o), handler(std::move(h)), runs_inline(std::move(i)), metrics(m) {}

  void Accept();
  // Starts `socket` (of contexts[index]) as a session, or closes it (over
  // max_connections: AdmitByEvicting; over its address's cap).
  void Admit(boost::asio::ip::tcp::socket socket, std::string peer, std::size_t index);
  // At shutdown, on the accept context: takes every connection the kernel
  // has completed and not handed over yet (closing the acceptor would reset
  // them, requests sent on them included). Each is started as a session,
  // which answers a request already there and closes (Session::ReadHeader).
  void AcceptBacklog();
  // A newcomer at max_connections, on its way through the contexts.
  struct Eviction {
    std::shared_ptr<boost::asio::ip::tcp::socket> socket;  // of contexts[index]
    std::string peer;
    std::size_t index = 0;
    std::size_t ctx = 0;   // the context it is posted to next
    std::size_t left = 0;  // contexts still to survey; 0: evict on ctx
    Stall stall = Stall::kReceiving;
    std::optional<std::size_t> best;  // the context stalled longest so far
    std::chrono::steady_clock::time_point best_since;
    bool resurveyed = false;
  };
  // At max_connections: closes the connection of the whole server that has
  // stalled longest (receiving, else writing: OldestStalled surveyed on
  // every context's thread in turn, then CloseLongestStalled on the one
  // found) and starts the newcomer's socket in its place; closes it when
  // none has stalled. A stalled connection costs a client nothing to hold,
  // so a crowd of them must not lock out the clients that have a request to
  // make (the health probe's among them). Nothing waits: each step is a
  // post to the next context.
  void AdmitByEvicting(std::shared_ptr<Eviction> e);
  // Counts (and logs, at most once a second) a connection closed at accept
  // because every connection is busy.
  void RefuseAtCapacity();
  // On contexts[index]'s thread: queues `job` for a worker. The workers are
  // woken once per turn of the event loop, after every request read in that
  // turn is queued, not once per request. `limited`: new work, refused when
  // the queue is full (false: a continuation, see WorkerPool::Continue).
  bool Submit(std::size_t index, WorkerPool::Job& job, bool limited);
  // On a worker: runs `fn` on contexts[index]'s thread. Posted when the
  // worker's run of jobs ends (WorkerPool's on_batch_end), one post per
  // context for the whole run.
  void PostBack(std::size_t index, std::function<void()> fn);
  // WorkerPool's on_batch_end: posts what this worker's jobs left.
  void FlushPostBacks();
  Metrics::RouteStats* StatsFor(Method method, std::string_view method_text,
                                std::string_view route);
};

// Starts serving an accepted connection from `peer` (its address, "" when
// unknown) on the socket's own io_context.
void StartSession(Server::Impl& server, std::size_t context_index,
                  boost::asio::ip::tcp::socket socket, std::string peer);
// Asks a session to close as soon as it is not handling a request.
void ShutdownSession(Session* session);
// On contexts[context_index]'s thread: closes the session of that context
// that has stalled longest in `stall`, and false when none has.
// kReceiving: receiving its request (its header, none or part of it, or
// its body: a trickle, or a body announced and never sent, holds a slot as
// cheaply as nothing), the earliest begun. kWriting: waiting for a write of
// its response to complete (a client that stopped reading), the one waiting
// longest. A request being handled, or a streamed chunk being produced,
// stays. With `stalled_by`, only one stalled since then or before (false
// when that one went meanwhile and the longest left is younger).
bool CloseLongestStalled(
    Server::Impl& server, std::size_t context_index, Stall stall,
    std::optional<std::chrono::steady_clock::time_point> stalled_by = std::nullopt);
// On contexts[context_index]'s thread: since when its connection stalled
// longest in `stall` has stalled; nullopt when none has.
std::optional<std::chrono::steady_clock::time_point> OldestStalled(Server::Impl& server,
                                                                   std::size_t context_index,
                                                                   Stall stall);

}  // namespace workspaced::http
