// Open connections to the embedded dataplane's databases, kept between
// requests: a reveal used to open its workspace's SQLite file, read the
// schema and prepare its statements on every call (docs/performance.md).
//
// Connection: one sqlite3 handle (opened without SQLite's mutex, never
// creating a file) with its prepared statements, cached by the address of
// their SQL text (string literals).
//
// ConnectionCache: at most `capacity` idle connections, one per database
// file, least recently used evicted first. A Lease is exclusive use of one
// connection: leases of the same file wait for each other (each use is one
// short transaction). A lease checks that the path still names the file the
// connection opened (device and inode), so a database removed behind the
// cache's back (another process's purge) is never read through a stale
// handle; Remove closes a file's connection and removes the file while no
// lease of it can be taken (deprovision, purge).
//
// Capacity bounds the connections the cache keeps; a connection evicted
// while leased closes when its lease ends, so at most `capacity` plus the
// leases in use are open at once.
//
// Thread-safety: ConnectionCache is safe from any thread; a Connection is
// used by its lease holder only.
#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

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
  explicit ConnectionCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Exclusive use of one connection until destroyed.
  class Lease {
   public:
    Connection& conn() const { return *conn_; }

   private:
    friend class ConnectionCache;
    Lease(std::shared_ptr<Entry> entry, std::unique_lock<std::mutex> lock, Connection* conn)
        : entry_(std::move(entry)), lock_(std::move(lock)), conn_(conn) {}
    std::shared_ptr<Entry> entry_;       // alive while leased, even once evicted
    std::unique_lock<std::mutex> lock_;  // the entry's
    Connection* conn_;
  };

  // The connection to the database at `path`, opened (read-write, never
  // created) when the cache holds none, `setup` run once on each connection
  // it opens (pragmas, tables). kConflict when no file is at `path`;
  // kUnavailable when it cannot be opened or set up.
  StatusOr<Lease> Acquire(const std::string& path, FunctionRef<Status(Connection&)> setup);
  // Removes the database at `path` with `remove`, run once the
  // connection to it (if any) is closed and while no Acquire of `path` can
  // open it again: a request racing a purge reads the database before it
  // or finds none, never a removed file.
  Status Remove(const std::string& path, FunctionRef<Status()> remove);
  // Connections kept (leased or idle).
  std::size_t size() const;

 private:
  struct Entry {
    std::mutex mu;                         // held by the lease
    std::unique_ptr<Connection> conn;      // GUARDED_BY(mu); null until opened
    dev_t dev = 0;                         // of the file `conn` opened; GUARDED_BY(mu)
    ino_t ino = 0;                         // GUARDED_BY(mu)
    bool removed = false;                  // by Remove: look the path up again; GUARDED_BY(mu)
    std::list<std::string>::iterator lru;  // GUARDED_BY(ConnectionCache::mu_)
    bool removing = false;                 // never evicted; GUARDED_BY(ConnectionCache::mu_)
  };

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // paths, most recently used first; GUARDED_BY(mu_)
  std::unordered_map<std::string, std::shared_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
};

}  // namespace workspaced::dataplane
