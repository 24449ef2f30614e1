#include "common/worker_pool.h"

#include <utility>

namespace workspaced {

WorkerPool::WorkerPool(int threads, std::size_t queue_limit) : queue_limit_(queue_limit) {
  if (threads < 1) threads = 1;
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(Job& job) { return Push(job, true); }
bool WorkerPool::Continue(Job& job) { return Push(job, false); }

bool WorkerPool::Push(Job& job, bool limited) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    if (limited && queue_.size() >= queue_limit_) {
      ++refused_;
      return false;
    }
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

void WorkerPool::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to run
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // release what it holds before waiting again
    lock.lock();
  }
}

void WorkerPool::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::uint64_t WorkerPool::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

}  // namespace workspaced
