#include "common/worker_pool.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace workspaced {
namespace {

int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

}  // namespace

WorkerPool::WorkerPool(int threads, std::size_t queue_limit, std::function<void()> on_batch_end)
    : queue_limit_(queue_limit), on_batch_end_(std::move(on_batch_end)), cpus_(UsableCpus()) {
  if (threads < 1) threads = 1;
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(Job& job, Wake wake) { return Push(job, true, wake); }
bool WorkerPool::Continue(Job& job, Wake wake) { return Push(job, false, wake); }

bool WorkerPool::Push(Job& job, bool limited, Wake wake) {
  bool notify = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    if (limited && queue_.size() >= queue_limit_) {
      ++refused_;
      return false;
    }
    queue_.push_back(std::move(job));
    notify = wake == Wake::kNow && sleeping_ > 0;
  }
  if (notify) ready_.notify_one();
  return true;
}

void WorkerPool::WakeOne() {
  bool notify = false;
  {
    std::lock_guard lock(mu_);
    notify = !queue_.empty() && sleeping_ > 0;
  }
  if (notify) ready_.notify_one();
}

void WorkerPool::Run() {
  using Clock = std::chrono::steady_clock;
  int in_batch = 0;
  Clock::time_point batch_start;
  std::unique_lock lock(mu_);
  while (true) {
    if (queue_.empty() || in_batch >= kMaxBatch ||
        (in_batch > 0 && Clock::now() - batch_start >= kMaxBatchTime)) {
      if (in_batch > 0 && on_batch_end_) {
        lock.unlock();
        on_batch_end_();
        lock.lock();
      }
      in_batch = 0;
    }
    if (queue_.empty()) {
      ++sleeping_;
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --sleeping_;
      if (queue_.empty()) return;  // stopping, and nothing left to run
    }
    Job job = std::move(queue_.front());
    queue_.pop_front();
    // More waiting and a thread asleep: wake it to share the batch.
    // Only while fewer threads are awake than there are CPUs to run them:
    // on one core a second awake thread only takes turns with the first
    // (and with the event loop) at a context switch each.
    const bool share = !queue_.empty() && sleeping_ > 0 &&
                       static_cast<int>(threads_.size()) - sleeping_ < cpus_;
    lock.unlock();
    if (share) ready_.notify_one();
    if (in_batch == 0) batch_start = Clock::now();
    job();
    job = nullptr;  // release what it holds before waiting again
    ++in_batch;
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
