// How a process on PostgreSQL learns that another one committed, without a
// query per authorization check or per cached read: what
// Store::DataVersion answers on PostgreSQL (docs/postgresql.md, Freshness).
//
// Every process announces its commits on the schema's channel, and one
// dedicated connection per process LISTENs on it; each notification
// received from another process moves the version. So:
//   - a commit of this process moves it (Committed) before its Write
//     returns: a read after one's own committed write is never stale;
//   - a commit of this process is announced by that same connection: a
//     NOTIFY of its own, sent after the commit (so whoever receives it reads
//     the commit), coalescing every commit made meanwhile and at most one
//     per `announce_interval`. Not a NOTIFY inside each writing
//     transaction: PostgreSQL serializes notifying commits on one lock and
//     wakes every listener for each, which cost a sixth of the throughput
//     of creates (docs/performance.md);
//   - a commit of another process moves it when its announcement arrives,
//     within `announce_interval` plus a round trip or two;
//   - while the connection is not listening (a command of the CLI, which
//     never starts it; a replica whose connection is lost), commits carry
//     their own notification instead (PgStore), as all did before;
//   - a commit whose answer was lost is announced as if it happened;
//   - a process that stops (its feed destroyed) announces what it had not
//     yet, if its connection is up and answers within a second;
//   - whatever becomes of announcements (a writer that sends none: an older
//     binary, psql; a process killed between its commit and its
//     announcement; a connection that died without a word), within
//     `poll_interval` plus one round trip: the listening connection reads
//     pg_current_snapshot() every `poll_interval`, which changes whenever a
//     transaction that wrote has ended anywhere in the cluster, and a change
//     moves the version. A poll unanswered for `poll_interval` counts as the
//     connection lost;
//   - while the connection is not listening (before it first connects, after
//     it was lost, until it is back), every call of Version() answers a new
//     number: nothing cached is trusted, every check reads the database.
//     Back, the channel is LISTENed to again, the version moved once, and
//     commits made meanwhile are announced.
// Worst case, a commit elsewhere is seen 2 × poll_interval after it (a
// connection that died silently just after a poll); the freshness test
// (tests/blackbox/freshness_test.cc) measures the usual case.
//
// The listening connection must reach PostgreSQL directly (or through a
// pooler in session mode): PgBouncer's transaction pooling does not carry
// LISTEN. Hence its own connection string.
//
// Owns a background thread (started on the first Version() or Committed())
// and its connection. Thread-safety: every method may be called from any
// thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/background_loop.h"
#include "common/clock.h"

struct pg_conn;

namespace workspaced::store {

class PgChangeFeed {
 public:
  struct Options {
    std::string conninfo;          // libpq connection string or URI, for LISTEN
    std::string channel;           // PgStore: "workspaced <md5 of the schema>"
    Micros poll_interval = 1'000'000;
    // At most one announcement per this long: a commit is announced within
    // it (plus the NOTIFY's round trip) after it committed.
    Micros announce_interval = 5'000;
    std::string application_name;  // shown in pg_stat_activity
    // The payload this process's announcements carry: its commits moved
    // Version() already (Committed), and do not move ForeignVersion().
    std::string own_payload;
  };

  explicit PgChangeFeed(Options options);
  ~PgChangeFeed();  // stops the thread, closes the connection
  PgChangeFeed(const PgChangeFeed&) = delete;
  PgChangeFeed& operator=(const PgChangeFeed&) = delete;

  // A number that changes whenever a commit by any process may have changed
  // the data (see above); read it before the snapshot whose result is
  // cached under it. Never fails: without a listening connection it is new
  // at every call.
  std::uint64_t Version();
  // Like Version, but for commits by other processes only (and whatever
  // cannot be told apart: polls, a lost connection): unchanged by this
  // process's own commits, whose effects it learns another way (the
  // relationship index: the store's commit observer).
  std::uint64_t ForeignVersion();
  // A commit of this process that wrote: call after it committed, before
  // the caller learns of it. Moves the version and has the commit announced
  // to the other processes.
  void Committed();
  // Moves the version (a commit of this process that needs no announcing:
  // it carried its own notification).
  void Bump() { version_.fetch_add(1, std::memory_order_acq_rel); }
  // A commit of this process whose outcome is unknown (its answer was
  // lost): both versions move, and it is announced as if it happened.
  void Uncertain();
  // Another process committed, or might have, or a commit of this one whose
  // outcome is unknown (its answer was lost): both versions move.
  void BumpForeign() {
    foreign_.fetch_add(1, std::memory_order_acq_rel);
    Bump();
  }
  // The statement a writing transaction sends before its COMMIT to carry
  // its own notification (while the feed is not listening): a row iff the
  // transaction wrote.
  std::string NotifyWithCommitSql() const {
    return notify_sql_ + " WHERE txid_current_if_assigned() IS NOT NULL";
  }
  // Whether the connection is listening now (a hint for logs and tests).
  bool listening() const { return listening_.load(std::memory_order_acquire); }

 private:
  enum class Ready { kInput, kDeadline, kStop, kError, kAnnounce };
  Micros Tick();
  bool Connect();
  void Lost(std::string_view why);
  // Waits until the connection has input, `deadline` (monotonic µs), Stop,
  // or (`announce`) a commit to announce.
  Ready Wait(std::int64_t deadline, bool announce = false);
  // Reads what arrived; moves the version when notifications did. False
  // when the connection failed.
  bool Consume();
  // Reads pg_current_snapshot(); moves the version when it changed. False
  // when the connection failed or did not answer within poll_interval.
  bool Poll();
  // Sends one NOTIFY for every commit since the last. False when the
  // connection failed or did not answer within poll_interval.
  bool Announce();
  // Sends `sql` and reads its one-row answer into `*value` (when not null),
  // taking in the notifications that come meanwhile. False as Poll.
  bool RoundTrip(const std::string& sql, std::string* value);

  const Options options_;
  SystemClock clock_;
  std::atomic<std::uint64_t> version_{1};
  std::atomic<std::uint64_t> foreign_{1};
  std::atomic<bool> listening_{false};
  std::atomic<bool> stopping_{false};
  std::once_flag started_;
  int stop_fd_ = -1;      // an eventfd, readable once the feed is stopping
  int announce_fd_ = -1;  // an eventfd, written when announce_ turns true
  std::atomic<bool> announce_{false};  // commits made since the last announcement
  std::string notify_sql_;
  // The loop thread's alone:
  pg_conn* conn_ = nullptr;
  std::string snapshot_;           // pg_current_snapshot() at the last look
  std::int64_t next_poll_ = 0;     // monotonic µs
  std::int64_t announce_at_ = 0;   // monotonic µs; 0: nothing to announce
  std::int64_t announced_ = 0;     // monotonic µs of the last announcement
  Micros backoff_ = 50'000;        // before the next connection attempt
  bool warned_ = false;            // a failed attempt was logged
  BackgroundLoop loop_;            // last: stopped first
};

}  // namespace workspaced::store
