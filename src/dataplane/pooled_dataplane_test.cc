// The pool itself, with members that record how they are used (a member
// here is a test double of the Dataplane interface: what is under test is
// the lending, not a backend; postgres_dataplane_test drives the real cell
// through the pool): calls run side by side up to the number of members,
// never two at once on one member, and a call waits while all are busy.
#include "dataplane/pooled_dataplane.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace workspaced::dataplane {
namespace {

struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> inside{0}, most{0};
};

class Member final : public Dataplane {
 public:
  explicit Member(Gate& gate) : gate_(gate) {}
  Status Provision(const model::Workspace&) override { return Status::Ok(); }
  Status Deprovision(const model::Workspace&) override { return Status::Ok(); }
  StatusOr<bool> Exists(const model::Workspace&) override { return true; }
  // Holds the caller until the gate opens; counts callers inside at once.
  Status Ping() override {
    if (busy_.exchange(true)) return Internal("two calls at once on one member");
    const int now = ++gate_.inside;
    for (int m = gate_.most.load(); now > m && !gate_.most.compare_exchange_weak(m, now);) {
    }
    {
      std::unique_lock lock(gate_.mu);
      gate_.cv.wait(lock, [&] { return gate_.open; });
    }
    --gate_.inside;
    busy_ = false;
    return Status::Ok();
  }

 private:
  Gate& gate_;
  std::atomic<bool> busy_{false};
};

TEST(PooledDataplane, CallsRunSideBySideUpToTheMembersAndTheRestWait) {
  Gate gate;
  std::vector<std::unique_ptr<Dataplane>> members;
  for (int i = 0; i < 3; ++i) members.push_back(std::make_unique<Member>(gate));
  const auto pool = NewPooledDataplane(std::move(members));
  std::atomic<int> ok{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i)
    callers.emplace_back([&] { ok += pool->Ping().ok() ? 1 : 0; });
  // Three are inside, the other five wait for a member.
  for (int i = 0; i < 500 && gate.inside.load() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(gate.inside.load(), 3);
  {
    std::lock_guard lock(gate.mu);
    gate.open = true;
  }
  gate.cv.notify_all();
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), 8);  // every call ran, none on a busy member
  EXPECT_EQ(gate.most.load(), 3);
}

}  // namespace
}  // namespace workspaced::dataplane
