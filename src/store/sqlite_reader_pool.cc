#include "store/sqlite_reader_pool.h"

#include <utility>

namespace workspaced::store {

ReaderPool::ReaderPool(Connections conns) : all_(std::move(conns)) {
  idle_.reserve(all_.size());
  for (const auto& conn : all_) idle_.push_back(conn.get());
}

ReaderPool::Lease ReaderPool::Acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [this] { return !idle_.empty(); });
  SqliteConnection* conn = idle_.back();
  idle_.pop_back();
  return Lease(*this, *conn);
}

void ReaderPool::Release(SqliteConnection& conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(&conn);
  }
  available_.notify_one();
}

}  // namespace workspaced::store
