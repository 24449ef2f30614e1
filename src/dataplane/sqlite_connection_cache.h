// Open connections to the embedded dataplane's databases, kept between
// requests: a reveal used to open its workspace's SQLite file, read the
// schema and prepare its statements on every call (docs/performance.md).
//
// Connection: one sqlite3 handle (opened without SQLite's mutex, never
// creating a file) with its prepared statements, cached by the address of
// their SQL text (string literals).
//
// ConnectionCache: connections to at most `capacity` database files, least
// recently used evicted first, up to kIdlePerDatabase idle ones each. A
// Lease is exclusive use of one connection; concurrent leases of one file
// get one each (WAL: readers beside a writer). A lease checks that the path
// still names the file the connection opened (device and inode), so a
// database removed behind the cache's back (another process's purge) is
// never read through a stale handle; Remove waits for a file's leases,
// closes its connections and removes the file while no lease of it can be
// taken (deprovision, purge).
//
// Open connections: at most capacity × kIdlePerDatabase idle (and per
// database no more than were once leased at the same time), plus the
// leases in use (bounded by the threads that take them).
//
// Thread-safety: ConnectionCache is safe from any thread; a Connection is
// used by its lease holder only.
#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/function_ref.h"
#include "common/status.h"

namespace workspaced::dataplane {

class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }
  // Rows were deleted through it since its file's write-ahead log was last
  // truncated (sqlite_pillar::RunDelete, ScrubIfDeleted).
  bool scrub = false;
  // The prepared statement for `sql` (a string literal), reset and with no
  // bindings; kUnavailable when it does not prepare. Owned by the connection.
  StatusOr<sqlite3_stmt*> Statement(const char* sql);

 private:
  sqlite3* const db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

class ConnectionCache {
  struct Entry;

 public:
  // Idle connections kept per database: concurrent requests of one
  // workspace each lease their own, up to this many are kept for reuse.
  // Never more than were leased at once (one opens only when none is
  // idle); at least the default worker pool of a small host (4 per core),
  // or a burst of reveals of one workspace closes connections and the next
  // opens and prepares them again.
  static constexpr std::size_t kIdlePerDatabase = 16;

  explicit ConnectionCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Exclusive use of one connection until destroyed, when it goes back to
  // its database's idle ones (or is closed: the file was removed or
  // replaced meanwhile, or enough are idle).
  class Lease {
   public:
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& conn() const { return *conn_; }

   private:
    friend class ConnectionCache;
    Lease(std::shared_ptr<Entry> entry, std::unique_ptr<Connection> conn, dev_t dev, ino_t ino)
        : entry_(std::move(entry)), conn_(std::move(conn)), dev_(dev), ino_(ino) {}
    std::shared_ptr<Entry> entry_;  // alive while leased, even once evicted
    std::unique_ptr<Connection> conn_;
    dev_t dev_;  // of the file conn_ opened
    ino_t ino_;
  };

  // A connection to the database at `path`: an idle one, or one opened
  // (read-write, never created) with `setup` run on it (pragmas, tables).
  // kConflict when no file is at `path`; kUnavailable when it cannot be
  // opened or set up.
  StatusOr<Lease> Acquire(const std::string& path, FunctionRef<Status(Connection&)> setup);
  // Removes the database at `path` with `remove`, run once every lease of
  // it has ended and its idle connections are closed, while no Acquire of
  // `path` can open it again: a request racing a purge reads the database
  // before it or finds none, never a removed file.
  Status Remove(const std::string& path, FunctionRef<Status()> remove);
  // Databases the cache keeps connections to.
  std::size_t size() const;

 private:
  struct Entry {
    std::mutex mu;
    std::condition_variable changed;                // a lease ended, or a removal did
    std::vector<std::unique_ptr<Connection>> idle;  // GUARDED_BY(mu)
    dev_t dev = 0;                         // of the file the idle ones opened; GUARDED_BY(mu)
    ino_t ino = 0;                         // GUARDED_BY(mu)
    int leased = 0;                        // GUARDED_BY(mu)
    bool removing_now = false;             // Remove runs: Acquire waits; GUARDED_BY(mu)
    bool removed = false;                  // by Remove: look the path up again; GUARDED_BY(mu)
    std::list<std::string>::iterator lru;  // GUARDED_BY(ConnectionCache::mu_)
    bool removing = false;                 // never evicted; GUARDED_BY(ConnectionCache::mu_)
  };
  // The entry of `path`, created when there is none (evicting the least
  // recently used beyond capacity_); `for_removal` marks it never evicted.
  std::shared_ptr<Entry> EntryOf(const std::string& path, bool for_removal);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // paths, most recently used first; GUARDED_BY(mu_)
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
};

}  // namespace workspaced::dataplane
