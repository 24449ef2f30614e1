#include "dataplane/sqlite_connection_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "store/sqlite_busy.h"

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

std::shared_ptr<ConnectionCache::Entry> ConnectionCache::EntryOf(const std::string& path,
                                                                 bool for_removal) {
  std::lock_guard lock(mu_);
  std::shared_ptr<Entry> e;
  const auto it = entries_.find(path);
  if (it != entries_.end()) {
    e = it->second;
    lru_.splice(lru_.begin(), lru_, e->lru);
  } else {
    e = std::make_shared<Entry>();
    lru_.push_front(path);
    e->lru = lru_.begin();
    entries_.emplace(path, e);
    // The least recently used go (a leased connection closes when its lease
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
  if (for_removal) e->removing = true;
  return e;
}

StatusOr<ConnectionCache::Lease> ConnectionCache::Acquire(const std::string& path,
                                                          FunctionRef<Status(Connection&)> setup) {
  for (;;) {
    std::shared_ptr<Entry> e = EntryOf(path, /*for_removal=*/false);
    std::unique_lock lock(e->mu);
    e->changed.wait(lock, [&] { return !e->removing_now; });
    if (e->removed) continue;  // removed while this waited: look again
    // Checked under the entry's lock, which Remove holds while it removes.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      e->idle.clear();
      return Conflict("the workspace's dataplane is not provisioned");
    }
    if (e->dev != st.st_dev || e->ino != st.st_ino) {
      e->idle.clear();  // another file now: the idle ones read the old one
      e->dev = st.st_dev;
      e->ino = st.st_ino;
    }
    std::unique_ptr<Connection> conn;
    if (!e->idle.empty()) {
      conn = std::move(e->idle.back());
      e->idle.pop_back();
    } else {
      sqlite3* raw = nullptr;
      const int rc =
          sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
      conn = std::make_unique<Connection>(raw);  // closes `raw` on every path
      if (rc != SQLITE_OK)
        return Unavailable("dataplane: cannot open " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : std::strerror(errno)))
            .WithCause(Cause::kDataplaneFailed);
      store::SetBusyTimeout(raw, 5000, store::LockHolders::kThisProcessToo);
      WS_RETURN_IF_ERROR(setup(*conn));
    }
    ++e->leased;
    return Lease(std::move(e), std::move(conn), st.st_dev, st.st_ino);
  }
}

ConnectionCache::Lease::~Lease() {
  if (!entry_) return;  // moved from
  Entry& e = *entry_;
  std::lock_guard lock(e.mu);
  --e.leased;
  if (!e.removing_now && !e.removed && e.dev == dev_ && e.ino == ino_ &&
      e.idle.size() < kIdlePerDatabase)
    e.idle.push_back(std::move(conn_));
  conn_.reset();
  e.changed.notify_all();
}

Status ConnectionCache::Remove(const std::string& path, FunctionRef<Status()> remove) {
  std::shared_ptr<Entry> e = EntryOf(path, /*for_removal=*/true);
  std::unique_lock entry_lock(e->mu);
  e->changed.wait(entry_lock, [&] { return !e->removing_now; });  // one removal at a time
  e->removing_now = true;
  e->changed.wait(entry_lock, [&] { return e->leased == 0; });
  e->idle.clear();
  const Status s = remove();
  e->removed = true;
  e->removing_now = false;
  e->changed.notify_all();
  entry_lock.unlock();
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
