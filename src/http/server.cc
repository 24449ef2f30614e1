#include "http/server.h"

#include <sys/resource.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <future>

#include "common/log.h"
#include "http/rate_limit.h"
#include "http/server_impl.h"

namespace workspaced::http {

namespace net = boost::asio;

namespace {

// Runs an event loop until it is stopped. A handler that throws (a bug, or
// a library refusing input we failed to bound) loses its connection, whose
// handler objects are dropped as the exception leaves them, and not the
// process: the loop goes on (asio allows run() again after a throw).
void RunLoop(net::io_context& context) {
  for (;;) {
    try {
      context.run();
      return;
    } catch (const std::exception& e) {
      log::Error("http: an I/O handler threw; its connection is dropped", {{"error", e.what()}});
    }
  }
}

}  // namespace

using tcp = net::ip::tcp;

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(); }

std::uint16_t Server::port() const { return impl_->port; }

int DefaultWorkers() {
  return static_cast<int>(std::max(4u, 4 * std::thread::hardware_concurrency()));
}

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                RequestHandler handler, Metrics& metrics,
                                                InlinePredicate runs_inline) {
  auto impl = std::make_unique<Impl>(options, std::move(handler), std::move(runs_inline), metrics);
  // Each connection is a file descriptor: raise the soft limit to the hard
  // one and never promise more connections than it allows (with room for
  // the database, logs and the listener).
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    if (nofile.rlim_cur < nofile.rlim_max) {
      nofile.rlim_cur = nofile.rlim_max;
      setrlimit(RLIMIT_NOFILE, &nofile);
      getrlimit(RLIMIT_NOFILE, &nofile);
    }
    const std::size_t usable =
        nofile.rlim_cur > 64 ? static_cast<std::size_t>(nofile.rlim_cur) - 64 : 1;
    if (impl->options.max_connections > usable) {
      log::Warn("max_connections lowered to the file descriptor limit",
                {{"configured", static_cast<std::int64_t>(impl->options.max_connections)},
                 {"effective", static_cast<std::int64_t>(usable)}});
      impl->options.max_connections = usable;
    }
  }
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl->registries.resize(static_cast<std::size_t>(threads));
  impl->wake_posted.resize(static_cast<std::size_t>(threads), 0);
  for (int i = 0; i < threads; ++i) impl->contexts.push_back(std::make_unique<net::io_context>(1));

  boost::system::error_code ec;
  const auto address = net::ip::make_address(options.host, ec);
  if (ec) return Status(Code::kInvalidArgument, "invalid listen address: " + options.host);
  const tcp::endpoint endpoint(address, options.port);
  impl->accept_context = std::make_unique<net::io_context>(1);
  impl->acceptor = std::make_unique<tcp::acceptor>(*impl->accept_context);
  impl->accept_pause = std::make_unique<net::steady_timer>(*impl->accept_context);
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(endpoint, ec);
  if (!ec) impl->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(Code::kUnavailable, "cannot listen on " + options.host + ":" +
                                          std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = impl->acceptor->local_endpoint().port();
  impl->workers =
      std::make_shared<WorkerPool>(options.workers > 0 ? options.workers : DefaultWorkers(),
                                   options.queue_limit, [i = impl.get()] { i->FlushPostBacks(); });
  // Saturation, for operators: requests waiting for a worker, and those
  // refused with 503 because the queue was full.
  const std::weak_ptr<WorkerPool> pool = impl->workers;
  metrics.AddGauge("workspaced_http_queued_requests", "Requests waiting for a worker.", [pool] {
    const auto p = pool.lock();
    return p ? static_cast<double>(p->queued()) : 0.0;
  });
  metrics.AddGauge(
      "workspaced_http_busy_refusals",
      "Requests answered 503 at once because every worker was busy and the queue full.", [pool] {
        const auto p = pool.lock();
        return p ? static_cast<double>(p->refused()) : 0.0;
      });
  impl->body_budget_refused =
      &metrics.Counter("workspaced_http_body_budget_refusals_total",
                       "Requests answered 503: their bodies, announced or as they came, "
                       "would have gone over limits.body_memory_bytes or an address's share.");
  impl->body_budget = std::make_unique<ByteBudget>(
      options.body_memory_limit, std::max(options.body_limit, options.body_memory_limit / 16),
      &metrics.GaugeValue("workspaced_http_body_bytes_held",
                          "Bytes request bodies being read hold now (limits.body_memory_bytes)."));
  impl->response_budget_refused = &metrics.Counter(
      "workspaced_http_response_budget_refusals_total",
      "Responses replaced by a 503 (or streams cut) because their bodies would have gone over "
      "limits.response_memory_bytes or an address's share.");
  impl->response_budget = std::make_unique<ByteBudget>(
      options.response_memory_limit, options.response_memory_limit / 16,
      &metrics.GaugeValue("workspaced_http_response_bytes_held",
                          "Bytes response bodies being written hold now "
                          "(limits.response_memory_bytes)."));
  impl->connections_evicted =
      &metrics.Counter("workspaced_connections_evicted_total",
                       "Stalled connections (receiving a request, or writing to a client that "
                       "stopped reading) closed at max_connections to admit a new one.");
  impl->connections_open = &metrics.GaugeValue("workspaced_http_connections",
                                               "Connections open now (limits.max_connections).");
  impl->connections_refused =
      &metrics.Counter("workspaced_connections_refused_total",
                       "Connections closed at accept, by limit.", "limit=\"max_connections\"");
  impl->Accept();
  for (auto& ctx : impl->contexts) {
    impl->threads.emplace_back([c = ctx.get()] {
      auto guard = net::make_work_guard(*c);
      RunLoop(*c);
    });
  }
  impl->threads.emplace_back([c = impl->accept_context.get()] {
    auto guard = net::make_work_guard(*c);
    RunLoop(*c);
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Impl::Accept() {
  const std::size_t index = next_context.fetch_add(1, std::memory_order_relaxed) % contexts.size();
  acceptor->async_accept(
      *contexts[index], [this, index](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (ec) {
          if (!acceptor->is_open()) return;
          // Typically out of file descriptors: retrying at once would spin (and
          // flood the log) until one frees up. Back off, log once per pause.
          log::Warn("accept failed; pausing accepts", {{"error", ec.message()}, {"pause_ms", 100}});
          accept_pause->expires_after(std::chrono::milliseconds(100));
          accept_pause->async_wait([this](boost::system::error_code wait_ec) {
            if (!wait_ec && acceptor->is_open()) Accept();
          });
          return;
        }
        boost::system::error_code peer_ec;
        const auto peer = socket.remote_endpoint(peer_ec);
        // Accepted: admitted even if the acceptor has closed since (at
        // shutdown), or its client, whose request may be sent, is reset.
        Admit(std::move(socket), peer_ec ? std::string() : peer.address().to_string(), index);
        if (!shutting_down.load() && acceptor->is_open()) Accept();
      });
}

void Server::Impl::Admit(tcp::socket socket, std::string peer, std::size_t index) {
  // Shutting down, a connection is taken over the limit: it is answered once
  // (if its request is there) and closed, and those taken then are bounded
  // by the listen backlog (AcceptBacklog).
  if (!shutting_down.load() &&
      connections.load(std::memory_order_relaxed) >= options.max_connections) {
    auto e = std::make_shared<Eviction>();
    e->socket = std::make_shared<tcp::socket>(std::move(socket));
    e->peer = std::move(peer);
    e->index = e->ctx = index;
    e->left = contexts.size();
    AdmitByEvicting(std::move(e));
  } else if (options.rate_limiter != nullptr && !options.rate_limiter->OpenConnection(peer)) {
    // Over the per-address cap: closed, counted, not logged (a flood would
    // flood the log).
  } else {
    StartSession(*this, index, std::move(socket), std::move(peer));
  }
}

void Server::Impl::AcceptBacklog() {
  boost::system::error_code ec;
  acceptor->cancel(ec);  // the pending async_accept ends (operation_aborted)
  acceptor->non_blocking(true, ec);
  if (ec) return;
  // Bounded by the listen backlog; the bound only guards against a peer
  // connecting faster than this loop takes them.
  for (std::size_t taken = 0; taken < 4096; ++taken) {
    const std::size_t index =
        next_context.fetch_add(1, std::memory_order_relaxed) % contexts.size();
    tcp::socket socket(*contexts[index]);
    acceptor->accept(socket, ec);
    if (ec) return;  // would_block: none left (or an error: nothing more to take)
    boost::system::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    Admit(std::move(socket), peer_ec ? std::string() : peer.address().to_string(), index);
  }
}

void Server::Impl::AdmitByEvicting(std::shared_ptr<Eviction> e) {
  net::post(*contexts[e->ctx], [this, e]() mutable {
    // Accepted over the limit just before the stop: nothing is evicted now;
    // Admit takes it over the limit while stopping.
    if (shutting_down.load()) return Admit(std::move(*e->socket), std::move(e->peer), e->index);
    const std::size_t n = contexts.size();
    if (e->left > 0) {
      // Surveying: each context says how long its longest-stalled
      // connection has stalled, on its own thread (its sessions are its
      // own), and the one stalled longest of all is evicted: the longest on
      // the newcomer's thread alone was not (outside audit).
      const auto since = OldestStalled(*this, e->ctx, e->stall);
      if (since && (!e->best || *since < e->best_since)) {
        e->best = e->ctx;
        e->best_since = *since;
      }
      if (--e->left > 0) {
        e->ctx = (e->ctx + 1) % n;
        return AdmitByEvicting(std::move(e));
      }
      if (e->best) {
        e->ctx = *e->best;  // left 0: evict there
        return AdmitByEvicting(std::move(e));
      }
      // Connections receiving a request go first: one writing may be
      // delivering an answer to a client that is still reading it.
      if (e->stall == Stall::kReceiving) {
        e->stall = Stall::kWriting;
        e->left = n;
        e->ctx = e->index;
        return AdmitByEvicting(std::move(e));
      }
      return RefuseAtCapacity();  // the socket closes with its last reference
    }
    // The one surveyed, unless it went meanwhile (answered, closed by its
    // client, or evicted for another newcomer of the same burst): then the
    // survey runs again, once; after that the longest stalled here goes,
    // and only when none is left is the newcomer refused.
    const bool closed = e->resurveyed ? CloseLongestStalled(*this, e->ctx, e->stall)
                                      : CloseLongestStalled(*this, e->ctx, e->stall, e->best_since);
    if (!closed) {
      if (e->resurveyed) return RefuseAtCapacity();
      e->left = n;
      e->best.reset();
      e->resurveyed = true;
      return AdmitByEvicting(std::move(e));
    }
    connections_evicted->fetch_add(1, std::memory_order_relaxed);
    // The per-address cap still holds for the newcomer.
    if (options.rate_limiter != nullptr && !options.rate_limiter->OpenConnection(e->peer)) return;
    // The socket belongs to contexts[index]: StartSession posts there.
    StartSession(*this, e->index, std::move(*e->socket), std::move(e->peer));
  });
}

void Server::Impl::RefuseAtCapacity() {
  connections_refused->fetch_add(1, std::memory_order_relaxed);
  // At most a line a second: a flood of connections must not become a
  // flood of log (the refusals are counted).
  const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_cap_logged_us.load(std::memory_order_relaxed);
  if (now - last >= 1'000'000 &&
      last_cap_logged_us.compare_exchange_strong(last, now, std::memory_order_relaxed))
    log::Warn("connection limit reached and every connection busy; closing new connections",
              {{"limit", static_cast<std::int64_t>(options.max_connections)}});
}

namespace {
// What the current worker's jobs posted back, until its run of jobs ends.
struct PostBacks {
  std::vector<std::pair<std::size_t, std::function<void()>>> pending;
};
thread_local PostBacks tls_post_backs;
}  // namespace

bool Server::Impl::Submit(std::size_t index, WorkerPool::Job& job, bool limited) {
  const auto later = WorkerPool::Wake::kLater;
  if (!(limited ? workers->TrySubmit(job, later) : workers->Continue(job, later))) return false;
  if (!wake_posted[index]) {
    // Runs after the handlers already due in this turn (the other requests
    // read with this one), so one wake covers them all.
    wake_posted[index] = 1;
    net::post(*contexts[index], [this, index] {
      wake_posted[index] = 0;
      workers->WakeOne();
    });
  }
  return true;
}

void Server::Impl::PostBack(std::size_t index, std::function<void()> fn) {
  tls_post_backs.pending.emplace_back(index, std::move(fn));
}

void Server::Impl::FlushPostBacks() {
  auto& pending = tls_post_backs.pending;
  if (pending.empty()) return;
  // One post per context, in the order the jobs finished.
  for (std::size_t ctx = 0; ctx < contexts.size(); ++ctx) {
    std::vector<std::function<void()>> batch;
    for (auto& [index, fn] : pending) {
      if (index == ctx) batch.push_back(std::move(fn));
    }
    if (batch.empty()) continue;
    net::post(*contexts[ctx], [batch = std::move(batch)] {
      for (const auto& fn : batch) fn();
    });
  }
  pending.clear();
}

Metrics::RouteStats* Server::Impl::StatsFor(Method method, std::string_view method_text,
                                            std::string_view route) {
  // Route templates live for the process, so their address identifies them;
  // a small per-thread table avoids the metrics lock on every request.
  struct Entry {
    const Impl* server;
    const char* route;
    std::size_t len;
    Method method;
    Metrics::RouteStats* stats;
  };
  thread_local std::vector<Entry> cache;
  for (const Entry& e : cache) {
    if (e.server == this && e.route == route.data() && e.len == route.size() && e.method == method)
      return e.stats;
  }
  auto* stats =
      metrics.Route(method == Method::kOther ? std::string_view("OTHER") : method_text, route);
  if (cache.size() < 256) cache.push_back({this, route.data(), route.size(), method, stats});
  return stats;
}

void Server::Shutdown() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.shutdown_mu);
    if (s.stopped) return;
    s.stopped = true;
  }
  s.shutting_down.store(true);
  // The backlog is taken before the connections are counted: with none open
  // the wait below would end at once, and the event loops stop before
  // those sessions start. Its end is posted from the accept thread after
  // the acceptor closes, so it runs after the completion of an accept that
  // was in flight (cancelled, or done and then admitted).
  std::promise<void> backlog_taken;
  net::post(*s.accept_context, [&s, &backlog_taken] {
    s.AcceptBacklog();
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
    net::post(*s.accept_context, [&backlog_taken] { backlog_taken.set_value(); });
  });
  for (std::size_t i = 0; i < s.contexts.size(); ++i) {
    net::post(*s.contexts[i], [&s, i] {
      // Copy: ShutdownSession may close a session, which unregisters it.
      std::vector<Session*> live(s.registries[i].begin(), s.registries[i].end());
      for (Session* session : live) ShutdownSession(session);
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + s.options.shutdown_grace;
  backlog_taken.get_future().wait_until(deadline);
  {
    std::unique_lock lock(s.drain_mu);
    s.drained.wait_until(lock, deadline, [&s] { return s.connections.load() == 0; });
  }
  if (s.connections.load() > 0) {
    log::Warn(
        "shutdown grace elapsed; connections still open close once the handlers running "
        "finish",
        {{"connections", static_cast<std::int64_t>(s.connections.load())}});
  }
  // Handlers still queued or running finish and post their responses to
  // contexts that are still alive; what they post is dropped with them.
  s.workers->Stop();
  for (auto& ctx : s.contexts) ctx->stop();
  s.accept_context->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace workspaced::http
