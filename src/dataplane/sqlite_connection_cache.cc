#include "dataplane/sqlite_connection_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace workspaced::dataplane {

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

StatusOr<sqlite3_stmt*> Connection::Statement(const char* sql) {
  const auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
    return Unavailable(std::string("dataplane: ") + sqlite3_errmsg(db_))
        .WithCause(Cause::kDataplaneFailed);
  statements_.emplace(sql, stmt);
  return stmt;
}

StatusOr<ConnectionCache::Lease> ConnectionCache::Acquire(const std::string& path,
                                                          FunctionRef<Status(Connection&)> setup) {
  for (;;) {
    std::shared_ptr<Entry> e;
    {
      std::lock_guard lock(mu_);
      const auto it = entries_.find(path);
      if (it != entries_.end()) {
        e = it->second;
        lru_.splice(lru_.begin(), lru_, e->lru);
      } else {
        e = std::make_shared<Entry>();
        lru_.push_front(path);
        e->lru = lru_.begin();
        entries_.emplace(path, e);
        // The least recently used go (a leased one closes when its lease
        // ends), but never one being removed: its path must stay blocked.
        for (std::size_t n = entries_.size(); entries_.size() > capacity_ && n > 0; --n) {
          const auto last = entries_.find(lru_.back());
          if (last->second->removing) {
            lru_.splice(lru_.begin(), lru_, last->second->lru);
            continue;
          }
          entries_.erase(last);
          lru_.pop_back();
        }
      }
    }
    std::unique_lock lock(e->mu);
    if (e->removed) continue;  // removed while this waited: look again
    // Checked under the entry's lock, which Remove holds while it removes.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      e->conn.reset();
      return Conflict("the workspace's dataplane is not provisioned");
    }
    if (e->conn && (e->dev != st.st_dev || e->ino != st.st_ino)) e->conn.reset();
    if (!e->conn) {
      sqlite3* raw = nullptr;
      const int rc =
          sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
      auto conn = std::make_unique<Connection>(raw);  // closes `raw` on every path
      if (rc != SQLITE_OK)
        return Unavailable("dataplane: cannot open " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : std::strerror(errno)))
            .WithCause(Cause::kDataplaneFailed);
      sqlite3_busy_timeout(raw, 5000);
      WS_RETURN_IF_ERROR(setup(*conn));
      e->conn = std::move(conn);
      e->dev = st.st_dev;
      e->ino = st.st_ino;
    }
    Connection* conn = e->conn.get();
    return Lease(std::move(e), std::move(lock), conn);
  }
}

Status ConnectionCache::Remove(const std::string& path, FunctionRef<Status()> remove) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(path);
    if (it != entries_.end()) {
      e = it->second;
    } else {
      // An entry of its own, so that an Acquire of `path` now waits for it.
      e = std::make_shared<Entry>();
      lru_.push_front(path);
      e->lru = lru_.begin();
      entries_.emplace(path, e);
    }
    e->removing = true;
  }
  std::lock_guard entry_lock(e->mu);
  e->conn.reset();
  const Status s = remove();
  e->removed = true;
  std::lock_guard lock(mu_);
  const auto it = entries_.find(path);
  if (it != entries_.end() && it->second == e) {
    lru_.erase(e->lru);
    entries_.erase(it);
  }
  return s;
}

std::size_t ConnectionCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace workspaced::dataplane
