// `workspaced serve`: open the data directory, listen, serve until SIGTERM or
// SIGINT, then stop accepting, finish in-flight requests and exit 0.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "api/api.h"
#include "app/app.h"
#include "app/bootstrap.h"
#include "common/background_loop.h"
#include "cli/commands.h"
#include "common/log.h"
#include "http/rate_limit.h"
#include "http/server.h"
#include "saga/failpoints.h"
#include "spicedb/outbox_pruner.h"
#include "spicedb/relay.h"
#include "store/sqlite_busy.h"

namespace workspaced::cli {
namespace {

// glibc gives a thread arena's free top back to the kernel (madvise) once it
// passes 128 KiB, and a request that builds and frees a few hundred KiB (a
// 100-item list) then faults every page back in on the next one: a third of
// the list path's time went to page faults and TLB shootdowns. Free memory up
// to 16 MiB per arena is kept instead. Operators' own GLIBC_TUNABLES win.
void KeepFreedMemoryForReuse() {
  if (std::getenv("GLIBC_TUNABLES") == nullptr) mallopt(M_TRIM_THRESHOLD, 16 << 20);
}

// SIGTERM and SIGINT, taken by a thread of their own from the start: while
// the server starts (migrations, the integrity check, a locked database,
// a slow disk) a stop signal ends the process at once, as kill -9 would,
// which loses nothing (every write is a committed transaction); once it
// serves, a signal is handed to Wait and the server stops gracefully.
class StopSignals {
 public:
  // Blocks both signals in every thread (threads inherit the mask) and
  // starts the thread that takes them. Once per process.
  static StopSignals& Take() {
    static StopSignals* const signals = new StopSignals();  // never destroyed
    return *signals;
  }
  // From now on a signal is a graceful stop (Wait returns it).
  void Serving() {
    std::lock_guard lock(mu_);
    serving_ = true;
  }
  // The first signal taken since Serving.
  int Wait() {
    std::unique_lock lock(mu_);
    taken_.wait(lock, [&] { return signal_ != 0; });
    return signal_;
  }

 private:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    std::thread([this] { Run(); }).detach();
  }
  void Run() {
    int sig = 0;
    while (sigwait(&set_, &sig) != 0) {
    }
    std::lock_guard lock(mu_);
    if (!serving_) {
      log::Warn("stopping during start-up", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      log::Flush();
      _exit(128 + sig);
    }
    signal_ = sig;
    taken_.notify_all();
  }

  sigset_t set_;
  std::mutex mu_;
  std::condition_variable taken_;
  bool serving_ = false;  // guarded by mu_
  int signal_ = 0;        // guarded by mu_
};

}  // namespace

int Serve(const ServeFlags& flags) {
  const auto started = std::chrono::steady_clock::now();
  StopSignals& stop = StopSignals::Take();
  signal(SIGPIPE, SIG_IGN);

  app::Config config;
  const bool resolved = ResolveConfig(flags.common, config, [&](app::Config& c) {
    if (!flags.listen.empty()) c.listen = flags.listen;
    if (flags.threads >= 0) c.threads = flags.threads;
    if (flags.workers >= 0) c.workers = flags.workers;
  });
  if (!resolved) return 2;
  log::Init(log::ParseLevel(config.log_level).value_or(log::Level::kInfo),
            config.log_format == "json");
  // Failpoints (tests, docs/provisioning.md) come from the environment,
  // read here once; the rest of the process is given them.
  const char* failpoints_env = std::getenv("WORKSPACED_FAILPOINTS");
  StatusOr<saga::Failpoints> failpoints =
      saga::Failpoints::Parse(failpoints_env != nullptr ? failpoints_env : "");
  if (!failpoints.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", failpoints.status().message().c_str());
    return 2;
  }
  KeepFreedMemoryForReuse();
  if (failpoints->For("serve_start", 1) == saga::Failpoint::Action::kDelay) {
    log::Info("failpoint: start-up delayed", {{"ms", failpoints->DelayMs("serve_start")}});
    log::Flush();
    std::this_thread::sleep_for(std::chrono::milliseconds(failpoints->DelayMs("serve_start")));
  }
  auto opened = app::App::Open(config, std::move(failpoints).value());
  if (!opened.ok()) {
    log::Error("cannot start", {{"error", opened.status().message()}});
    log::Flush();
    return 1;
  }
  std::unique_ptr<app::App> app = std::move(opened).value();
  auto limiter = http::RateLimiter::Create(config.rate_limits, app->clock(), app->metrics());
  if (!limiter.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", limiter.status().message().c_str());
    return 2;
  }
  api::Api api(*app, limiter->get());

  http::ServerOptions options;
  const Status listen = app::ParseListen(config.listen, options.host, options.port);
  if (!listen.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", listen.message().c_str());
    return 2;
  }
  options.threads = config.threads;
  options.workers = config.workers;
  options.queue_limit = config.limits.queued_requests;
  options.body_limit = config.limits.body_bytes;
  options.body_memory_limit = config.limits.body_memory_bytes;
  options.response_memory_limit = config.limits.response_memory_bytes;
  options.header_limit = config.limits.header_bytes;
  options.request_timeout = std::chrono::milliseconds(config.limits.request_timeout_ms);
  options.idle_timeout = std::chrono::milliseconds(config.limits.idle_timeout_ms);
  options.write_timeout = std::chrono::milliseconds(config.limits.write_timeout_ms);
  options.shutdown_grace = std::chrono::milliseconds(config.limits.shutdown_grace_ms);
  options.max_connections = config.limits.max_connections;
  options.access_log = config.access_log;
  options.rate_limiter = limiter->get();

  auto server = http::Server::Start(
      options, [&api](const http::Request& req, http::Response& res) { api.Handle(req, res); },
      app->metrics(), [&api](const http::Request& req) { return api.RunsInline(req); });
  if (!server.ok()) {
    log::Error("cannot start", {{"error", server.status().message()}});
    log::Flush();
    return 1;
  }
  // Only a process that got this far decides who the platform admins are
  // (for every replica: docs/authorization.md).
  if (const Status admins = app->WritePlatformAdmins(); !admins.ok()) {
    log::Error("cannot start", {{"error", admins.message()}});
    log::Flush();
    return 1;
  }
  // Provisioning runs left by an earlier process (or another replica) are
  // picked up at once.
  app->engine().Start();
  app->engine().Wake();
  if (app->relay() != nullptr) app->relay()->Start();
  app->outbox_pruner().Start();
  app->denials().Start();
  // Pillar rows left pending by a crash or an unreachable database are
  // resolved by their readers and, for the ones nobody reads, here
  // (docs/pillars.md).
  BackgroundLoop pillar_sweep(app->clock(), [&app]() -> Micros {
    const StatusOr<int> n = app->secrets().SweepPending();
    if (!n.ok()) log::Warn("secrets: the sweep of pending rows failed", {{"error", n.status().message()}});
    const StatusOr<int> v = app->vault().SweepPending();
    if (!v.ok()) log::Warn("vault: the sweep of pending rows failed", {{"error", v.status().message()}});
    return app->clock().Now() + domain::kPendingBound;
  });
  pillar_sweep.Start(domain::kPendingBound);
  // A JWKS file is read again within a second of a change (the provider's
  // new key, a compromised one withdrawn), off the request path; a file that
  // does not parse leaves the keys read before (docs/configuration.md).
  constexpr Micros kJwksCheck = 1'000'000;
  BackgroundLoop jwks_refresh(app->clock(), [&app]() -> Micros {
    const StatusOr<std::optional<std::size_t>> changed = app->authenticator().RefreshKeys();
    if (!changed.ok())
      log::Warn("auth: the JWKS file was not read again; the keys read before stay",
                {{"error", changed.status().message()}});
    else if (*changed && **changed == 0)
      log::Warn("auth: the JWKS file changed and holds no key of an allowed algorithm: every "
                "token of the provider is refused", {});
    else if (*changed)
      log::Info("auth: the JWKS file changed; its keys are in use",
                {{"keys", static_cast<std::int64_t>(**changed)}});
    return app->clock().Now() + kJwksCheck;
  });
  if (!config.auth.jwks_file.empty()) jwks_refresh.Start(kJwksCheck);
  // What start-up built and dropped (migrations, the schema, the index
  // load) goes back to the kernel once, so idle memory is what serving needs.
  malloc_trim(0);
  // host:port, an IPv6 host in brackets (RFC 3986 §3.2.2), so the URLs
  // built from it below work as printed.
  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  const std::string addr = host + ":" + std::to_string((*server)->port());
  const auto startup_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  // Graceful from before the line that says so: a supervisor (or a test)
  // that signals once it reads "listening" gets a clean stop, not exit 130.
  stop.Serving();
  log::Info("listening", {{"addr", addr},
                          {"data_dir", config.data_dir},
                          {"default_account_id", app->default_account_id()},
                          {"startup_ms", startup_ms}});
  if (config.auth.dev_tokens) {
    // The key exists by now (App::Open made it); the code it gives is what
    // the portal's dev sign-in asks for.
    const StatusOr<std::string> key = app::LoadOrCreateDevKey(config.data_dir, app->random());
    const std::string code = key.ok() ? app::DevSignInCode(*key) : std::string();
    log::Info("get a dev token",
              {{"command", "workspaced token --sub admin --data-dir " + config.data_dir},
               {"usage", "export TOKEN=$(workspaced token --sub admin --data-dir " +
                             config.data_dir + ") CP_URL=http://" + addr},
               {"portal", "http://" + addr + "/portal/"},
               {"portal_sign_in_code", code}});
  }
  log::Flush();

  const int signal_number = stop.Wait();
  log::Info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // The grace bounds waits on a database locked elsewhere too: a handler (or
  // a saga step, or the last writes below) still waiting then fails (503)
  // rather than waiting out its busy timeout, each in turn. They end a tenth
  // of the grace (at most a second) before it, so those answers are written
  // within it.
  store::EndBusyWaitsAt(std::chrono::steady_clock::now() + options.shutdown_grace -
                        std::min<std::chrono::milliseconds>(options.shutdown_grace / 10,
                                                            std::chrono::seconds(1)));
  (*server)->Shutdown();
  // Workers finish their current step and release their leases.
  app->engine().Stop();
  if (app->relay() != nullptr) app->relay()->Stop();
  app->outbox_pruner().Stop();
  app->denials().Stop();  // writes the counts still pending
  pillar_sweep.Stop();
  log::Info("stopped");
  log::Flush();
  return 0;
}

}  // namespace workspaced::cli
