#include "common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <utility>

namespace workspaced {
namespace {

TEST(WorkerPool, RunsEveryAdmittedJobBeforeStopReturns) {
  std::atomic<int> ran{0};
  WorkerPool pool(3, 1000);
  for (int i = 0; i < 500; ++i) {
    WorkerPool::Job job = [&ran] { ran.fetch_add(1); };
    ASSERT_TRUE(pool.TrySubmit(job));
  }
  pool.Stop();
  EXPECT_EQ(ran.load(), 500);
}

TEST(WorkerPool, RefusesNewWorkWhenTheQueueIsFullButNotContinuations) {
  WorkerPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  WorkerPool::Job blocker = [gate, &started] {
    started.set_value();
    gate.wait();
  };
  ASSERT_TRUE(pool.TrySubmit(blocker));
  started.get_future().wait();  // the only thread is busy from here on
  std::atomic<int> ran{0};
  for (int i = 0; i < 2; ++i) {
    WorkerPool::Job job = [&ran] { ran.fetch_add(1); };
    ASSERT_TRUE(pool.TrySubmit(job));
  }
  bool destroyed_here = false;
  struct Flag {
    bool* flag;
    ~Flag() {
      if (flag) *flag = true;
    }
  };
  auto flag = std::make_shared<Flag>(Flag{&destroyed_here});
  WorkerPool::Job refused = [flag] {};
  flag.reset();
  EXPECT_FALSE(pool.TrySubmit(refused));
  EXPECT_TRUE(static_cast<bool>(refused)) << "a refused job stays with the caller";
  refused = nullptr;
  EXPECT_TRUE(destroyed_here);
  EXPECT_EQ(pool.refused(), 1u);
  EXPECT_EQ(pool.queued(), 2u);

  WorkerPool::Job next_chunk = [&ran] { ran.fetch_add(10); };
  EXPECT_TRUE(pool.Continue(next_chunk)) << "continuations of admitted work are never refused";
  release.set_value();
  pool.Stop();
  EXPECT_EQ(ran.load(), 12);
}

TEST(WorkerPool, RefusesEverythingOnceStopped) {
  WorkerPool pool(2, 10);
  pool.Stop();
  WorkerPool::Job a = [] {}, b = [] {};
  EXPECT_FALSE(pool.TrySubmit(a));
  EXPECT_FALSE(pool.Continue(b));
  pool.Stop();  // idempotent
}

// What a batching caller relies on: every job's output is flushed by the
// hook on the job's own thread, and jobs queued together share a flush.
struct Flushed {
  std::mutex mu;
  int flushes = 0;
  int items = 0;
};
thread_local int tls_unflushed = 0;

TEST(WorkerPool, JobsQueuedTogetherShareOneBatchEndAndNothingIsLeftUnflushed) {
  Flushed f;
  WorkerPool pool(1, 100, [&f] {
    std::lock_guard lock(f.mu);
    ++f.flushes;
    f.items += std::exchange(tls_unflushed, 0);
  });
  for (int i = 0; i < 10; ++i) {
    WorkerPool::Job job = [] { ++tls_unflushed; };
    ASSERT_TRUE(pool.TrySubmit(job, WorkerPool::Wake::kLater));
  }
  pool.WakeOne();
  pool.Stop();
  std::lock_guard lock(f.mu);
  EXPECT_EQ(f.items, 10) << "every job's output reaches a batch end";
  // One flush when the ten run back to back; a few if the thread was
  // preempted past kMaxBatchTime; never one per job.
  EXPECT_GE(f.flushes, 1);
  EXPECT_LT(f.flushes, 10);
}

TEST(WorkerPool, ALongRunOfJobsIsFlushedEveryMaxBatchJobs) {
  Flushed f;
  WorkerPool pool(1, 100, [&f] {
    std::lock_guard lock(f.mu);
    ++f.flushes;
    f.items += std::exchange(tls_unflushed, 0);
  });
  constexpr int kJobs = 3 * WorkerPool::kMaxBatch + 1;
  for (int i = 0; i < kJobs; ++i) {
    WorkerPool::Job job = [] { ++tls_unflushed; };
    ASSERT_TRUE(pool.TrySubmit(job, WorkerPool::Wake::kLater));
  }
  pool.WakeOne();
  pool.Stop();
  std::lock_guard lock(f.mu);
  EXPECT_EQ(f.items, kJobs);
  EXPECT_GE(f.flushes, 4) << "no result waits behind more than kMaxBatch jobs";
}

TEST(WorkerPool, ADeferredWakeIsGivenByWakeOne) {
  WorkerPool pool(2, 100);
  // Let both threads go to sleep, then queue without waking.
  std::promise<void> ran;
  WorkerPool::Job job = [&ran] { ran.set_value(); };
  ASSERT_TRUE(pool.TrySubmit(job, WorkerPool::Wake::kLater));
  pool.WakeOne();
  EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

}  // namespace
}  // namespace workspaced
