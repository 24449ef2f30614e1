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
// Batching, for callers that hand over many small jobs (an event loop that
// read several requests in one turn): `Wake::kLater` queues a job without
// waking a thread, and one WakeOne() at the end of the turn wakes one. A
// thread that takes a job while more wait wakes another, as long as fewer
// threads are awake than the process has CPUs (so a batch spreads over the
// cores without the submitter paying a wake per job), and the
// `on_batch_end` hook runs on a thread when it runs out of queued jobs, or
// has run `kMaxBatch` in a row, or has been running them for
// `kMaxBatchTime`: where a caller flushes what its jobs
// produced (the responses posted back to an event loop) once per batch
// instead of once per job. On one core this turns two context switches per
// request into two per batch. The price: a job's result waits for the jobs
// its thread runs after it in the same batch — fewer than kMaxBatch, started
// within kMaxBatchTime of the batch's first.
//
// Thread-safety: every method may be called from any thread. Stop must not
// be called from a job.
#pragma once

#include <chrono>
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
  enum class Wake { kNow, kLater };
  static constexpr int kMaxBatch = 16;
  static constexpr std::chrono::microseconds kMaxBatchTime{500};

  // Starts `threads` (>= 1) threads. `on_batch_end`, when given, runs on a
  // pool thread after a run of jobs (see above); it must not block.
  WorkerPool(int threads, std::size_t queue_limit, std::function<void()> on_batch_end = {});
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] bool TrySubmit(Job& job, Wake wake = Wake::kNow);
  [[nodiscard]] bool Continue(Job& job, Wake wake = Wake::kNow);
  // Wakes a thread if jobs wait and none is awake to take them.
  void WakeOne();

  // Refuses new jobs, runs every job already queued, joins the threads.
  // Idempotent; call it from one thread (the owner's).
  void Stop();

  int threads() const { return static_cast<int>(threads_.size()); }
  // Jobs waiting for a thread (not those running).
  std::size_t queued() const;
  // Jobs TrySubmit refused because the queue was full.
  std::uint64_t refused() const;

 private:
  bool Push(Job& job, bool limited, Wake wake);
  void Run();

  const std::size_t queue_limit_;
  const std::function<void()> on_batch_end_;
  const int cpus_;  // the process may run on, when it started
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Job> queue_;       // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  int sleeping_ = 0;            // threads waiting on ready_; guarded by mu_
  std::uint64_t refused_ = 0;   // guarded by mu_
  std::vector<std::thread> threads_;  // fixed at construction
};

}  // namespace workspaced
