#include "store/pg_change_feed.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "common/log.h"
#include "store/libpq.h"

namespace workspaced::store {
namespace {

std::int64_t MonotonicMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// LISTEN takes an identifier, not a string.
std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// A string literal (standard_conforming_strings: quotes doubled).
std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string Trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

PgChangeFeed::PgChangeFeed(Options options)
    : options_(std::move(options)),
      stop_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      announce_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      notify_sql_("SELECT pg_notify(" + QuoteLiteral(options_.channel) + ", " +
                  QuoteLiteral(options_.own_payload) + ")"),
      loop_(clock_, [this] { return Tick(); }) {}

PgChangeFeed::~PgChangeFeed() {
  stopping_.store(true, std::memory_order_release);
  if (stop_fd_ >= 0) {
    const std::uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);  // wakes a Wait; stays readable
  }
  loop_.Stop();
  if (conn_ != nullptr) {
    // Commits not yet announced (a process that stops right after writing:
    // a command of the CLI, a replica shutting down) are announced now,
    // after whatever the loop left in flight.
    // At most a second: a PostgreSQL that stopped answering must not hold
    // up the process's exit (the others' poll covers what is not sent).
    if (announce_.load(std::memory_order_acquire) && Libpq().PQconsumeInput(conn_) != 0 &&
        Libpq().PQisBusy(conn_) == 0 && Libpq().PQsendQuery(conn_, notify_sql_.c_str()) != 0) {
      const std::int64_t deadline = MonotonicMicros() + 1'000'000;
      while (Libpq().PQisBusy(conn_) != 0) {
        pollfd fd{Libpq().PQsocket(conn_), POLLIN, 0};
        const std::int64_t left = deadline - MonotonicMicros();
        if (left <= 0 || poll(&fd, 1, static_cast<int>((left + 999) / 1000)) <= 0 ||
            Libpq().PQconsumeInput(conn_) == 0)
          break;
      }
    }
    Libpq().PQfinish(conn_);
  }
  if (stop_fd_ >= 0) close(stop_fd_);
  if (announce_fd_ >= 0) close(announce_fd_);
}

void PgChangeFeed::Uncertain() {
  foreign_.fetch_add(1, std::memory_order_acq_rel);
  Committed();
}

void PgChangeFeed::Committed() {
  Bump();
  std::call_once(started_, [this] { loop_.Start(); });
  // One wakeup per announcement, however many commits it covers.
  if (!announce_.exchange(true, std::memory_order_acq_rel) && announce_fd_ >= 0) {
    const std::uint64_t one = 1;
    (void)!write(announce_fd_, &one, sizeof one);
  }
}

std::uint64_t PgChangeFeed::Version() {
  std::call_once(started_, [this] { loop_.Start(); });
  // Not listening: nothing may be trusted, so a number never answered before.
  if (!listening_.load(std::memory_order_acquire))
    return version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  return version_.load(std::memory_order_acquire);
}

std::uint64_t PgChangeFeed::ForeignVersion() {
  std::call_once(started_, [this] { loop_.Start(); });
  if (!listening_.load(std::memory_order_acquire))
    return foreign_.fetch_add(1, std::memory_order_acq_rel) + 1;
  return foreign_.load(std::memory_order_acquire);
}

Micros PgChangeFeed::Tick() {
  if (stopping_.load(std::memory_order_acquire)) return clock_.Now();
  if (conn_ == nullptr) {
    if (!Connect()) {
      const Micros wait = backoff_;
      backoff_ = std::min<Micros>(backoff_ * 2, 2'000'000);
      return clock_.Now() + wait;
    }
    backoff_ = 50'000;
    next_poll_ = MonotonicMicros() + options_.poll_interval;
  }
  // A commit to announce: no sooner than announce_interval after the last.
  if (announce_at_ == 0 && announce_.load(std::memory_order_acquire))
    announce_at_ = std::max(MonotonicMicros(), announced_ + options_.announce_interval);
  const std::int64_t deadline = announce_at_ != 0 ? std::min(next_poll_, announce_at_) : next_poll_;
  switch (Wait(deadline, /*announce=*/announce_at_ == 0)) {
    case Ready::kStop:
    case Ready::kAnnounce:  // announce_at_ is set on the next turn
      break;
    case Ready::kInput:
      if (!Consume()) Lost("the listening connection failed");
      break;
    case Ready::kError:
      Lost("the listening connection's socket failed");
      break;
    case Ready::kDeadline:
      if (announce_at_ != 0 && MonotonicMicros() >= announce_at_) {
        if (!Announce()) Lost("the listening connection did not answer an announcement");
        break;
      }
      if (!Poll()) {
        Lost("the listening connection did not answer a poll");
        break;
      }
      next_poll_ = MonotonicMicros() + options_.poll_interval;
      break;
  }
  return clock_.Now();  // again at once: Wait is where the loop rests
}

bool PgChangeFeed::Connect() {
  if (!LoadLibpq().ok()) return false;
  // The connection string first, expanded; what follows overrides it.
  const char* keys[] = {"dbname", "application_name", "connect_timeout", nullptr};
  const char* values[] = {options_.conninfo.c_str(), options_.application_name.c_str(), "10",
                          nullptr};
  pg_conn* c = Libpq().PQconnectdbParams(keys, values, 1);
  std::string failure;
  if (c == nullptr || Libpq().PQstatus(c) != CONNECTION_OK) {
    failure = c != nullptr ? Trimmed(Libpq().PQerrorMessage(c)) : "out of memory";
  } else {
    Libpq().PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    // The snapshot as of LISTEN: the first poll compares against it.
    const std::string sql =
        "LISTEN " + QuoteIdentifier(options_.channel) + "; SELECT pg_current_snapshot()::text";
    PGresult* r = Libpq().PQexec(c, sql.c_str());
    if (r != nullptr && Libpq().PQresultStatus(r) == PGRES_TUPLES_OK && Libpq().PQntuples(r) == 1) {
      snapshot_ = Libpq().PQgetvalue(r, 0, 0);
    } else {
      failure = Trimmed(r != nullptr ? Libpq().PQresultErrorMessage(r) : Libpq().PQerrorMessage(c));
    }
    Libpq().PQclear(r);
  }
  if (!failure.empty()) {
    if (c != nullptr) Libpq().PQfinish(c);
    if (!warned_) {
      log::Warn("postgres: cannot listen for other processes' commits; every check reads the "
                "database until it can",
                {{"error", failure}, {"hint", "database_listen (docs/postgresql.md)"}});
      warned_ = true;
    }
    return false;
  }
  conn_ = c;
  // Commits made while nobody listened are visible to every snapshot taken
  // from now on; later ones will be notified.
  BumpForeign();
  listening_.store(true, std::memory_order_release);
  if (warned_) log::Info("postgres: listening for other processes' commits again");
  warned_ = false;
  return true;
}

void PgChangeFeed::Lost(std::string_view why) {
  listening_.store(false, std::memory_order_release);
  BumpForeign();
  const std::string error = Trimmed(Libpq().PQerrorMessage(conn_));
  Libpq().PQfinish(conn_);
  conn_ = nullptr;
  announce_at_ = 0;  // what was to be announced still is, once connected
  log::Warn("postgres: stopped listening for other processes' commits; every check reads the "
            "database until it listens again",
            {{"reason", why}, {"error", error}});
  warned_ = true;
}

PgChangeFeed::Ready PgChangeFeed::Wait(std::int64_t deadline, bool announce) {
  for (;;) {
    pollfd fds[3] = {{Libpq().PQsocket(conn_), POLLIN, 0},
                     {stop_fd_, POLLIN, 0},
                     {announce_fd_, POLLIN, 0}};
    const std::int64_t left = deadline - MonotonicMicros();
    if (left <= 0) return Ready::kDeadline;
    const int ms = static_cast<int>(std::min<std::int64_t>((left + 999) / 1000, 60'000));
    const int n = poll(fds, announce ? 3 : 2, ms);
    if (n < 0 && errno != EINTR) return Ready::kError;
    if (n <= 0) continue;
    if (fds[1].revents != 0) return Ready::kStop;
    if (fds[0].revents & (POLLERR | POLLNVAL)) return Ready::kError;
    if (fds[0].revents != 0) return Ready::kInput;
    std::uint64_t count = 0;
    (void)!read(announce_fd_, &count, sizeof count);
    return Ready::kAnnounce;
  }
}

bool PgChangeFeed::Consume() {
  if (Libpq().PQconsumeInput(conn_) == 0) return false;
  bool foreign = false;
  while (PGnotify* n = Libpq().PQnotifies(conn_)) {
    // Our own commits moved the version when they committed.
    if (options_.own_payload.empty() || n->extra == nullptr || options_.own_payload != n->extra)
      foreign = true;
    Libpq().PQfreemem(n);
  }
  if (foreign) BumpForeign();
  return Libpq().PQstatus(conn_) == CONNECTION_OK;
}

bool PgChangeFeed::RoundTrip(const std::string& sql, std::string* value) {
  if (Libpq().PQsendQuery(conn_, sql.c_str()) == 0) return false;
  const std::int64_t deadline = MonotonicMicros() + options_.poll_interval;
  while (Libpq().PQisBusy(conn_) != 0) {
    switch (Wait(deadline)) {
      case Ready::kInput:
        if (!Consume()) return false;
        break;
      case Ready::kStop:
        return true;  // the destructor closes the connection
      case Ready::kAnnounce:  // not waited for here
        break;
      case Ready::kDeadline:
      case Ready::kError:
        return false;
    }
  }
  bool ok = false;
  while (PGresult* r = Libpq().PQgetResult(conn_)) {
    if (Libpq().PQresultStatus(r) == PGRES_TUPLES_OK && Libpq().PQntuples(r) == 1) {
      if (value != nullptr) *value = Libpq().PQgetvalue(r, 0, 0);
      ok = true;
    }
    Libpq().PQclear(r);
  }
  // Notifications that came with the answer.
  return ok && Consume();
}

bool PgChangeFeed::Poll() {
  std::string snapshot;
  if (!RoundTrip("SELECT pg_current_snapshot()::text", &snapshot)) return false;
  if (!snapshot.empty() && snapshot != snapshot_) {  // empty: stopping
    snapshot_ = std::move(snapshot);
    BumpForeign();
  }
  return true;
}

bool PgChangeFeed::Announce() {
  // Cleared before the NOTIFY is sent: a commit from now on is announced by
  // the next one. The NOTIFY commits after every commit it covers, so a
  // process that receives it reads them.
  announce_at_ = 0;
  announced_ = MonotonicMicros();
  announce_.store(false, std::memory_order_release);
  if (RoundTrip(notify_sql_, nullptr)) return true;
  announce_.store(true, std::memory_order_release);  // again, once connected
  return false;
}

}  // namespace workspaced::store
