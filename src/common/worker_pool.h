// A fixed set of threads running jobs from one queue: where blocking work
// (database, waits on other services) runs, so that the threads that own
// sockets never wait.
//
// Two ways in:
//   - TrySubmit: new work (a request). Refused at once when `queue_limit`
//     jobs are already waiting, so a flood turns into quick refusals (the
//     caller answers 503) instead of an unbounded queue.
//   - Continue: the next step of work already admitted (the next chunk of a
//     streamed response). Not limited by queue_limit: each admitted piece of
//     work has at most one step queued, so these are bounded by the work
//     admitted.
// Both refuse once Stop has begun; a refused job is not moved from, so it is
// destroyed by the caller, on the caller's thread.
//
// Thread-safety: every method may be called from any thread. Stop must not
// be called from a job.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace workspaced {

class WorkerPool {
 public:
  using Job = std::function<void()>;

  // Starts `threads` (>= 1) threads.
  WorkerPool(int threads, std::size_t queue_limit);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] bool TrySubmit(Job& job);
  [[nodiscard]] bool Continue(Job& job);

  // Refuses new jobs, runs every job already queued, joins the threads.
  // Idempotent; call it from one thread (the owner's).
  void Stop();

  int threads() const { return static_cast<int>(threads_.size()); }
  // Jobs waiting for a thread (not those running).
  std::size_t queued() const;
  // Jobs TrySubmit refused because the queue was full.
  std::uint64_t refused() const;

 private:
  bool Push(Job& job, bool limited);
  void Run();

  const std::size_t queue_limit_;
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Job> queue_;       // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  std::uint64_t refused_ = 0;   // guarded by mu_
  std::vector<std::thread> threads_;  // fixed at construction
};

}  // namespace workspaced
