#include "common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

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

}  // namespace
}  // namespace workspaced
