// A fixed set of read-only connections handed out one caller at a time.
//
// Ownership: owns the connections; a Lease borrows one and gives it back
// when destroyed, so a Lease must not outlive the pool.
// Thread-safety: Acquire may be called from any thread; it blocks while every
// connection is leased. Acquiring a second lease on a thread that already
// holds one can deadlock a pool of size 1 — callbacks must not nest Reads.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "store/sqlite_connection.h"

namespace workspaced::store {

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool& pool, SqliteConnection& conn) : pool_(&pool), conn_(&conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Release(*conn_);
    }
    SqliteConnection& conn() const { return *conn_; }

   private:
    ReaderPool* pool_;
    SqliteConnection* conn_;
  };

  using Connections = std::vector<std::unique_ptr<SqliteConnection>>;

  explicit ReaderPool(Connections conns);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  Lease Acquire();

 private:
  void Release(SqliteConnection& conn);

  // Immutable after construction: owns the connections.
  const Connections all_;
  std::mutex mu_;
  std::condition_variable available_;  // signalled when idle_ grows
  // Guarded by mu_: the connections not leased. Capacity is reserved for all
  // of them, so Release never allocates.
  std::vector<SqliteConnection*> idle_;
};

}  // namespace workspaced::store
