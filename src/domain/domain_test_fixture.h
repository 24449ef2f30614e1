// The fixture of the domain operations' tests (operations_test.cc,
// quotas_test.cc), run on every backend of store/testing/backends.h: a
// migrated store holding account kAcme, whose admin alice also administers
// its ready workspace ws_, and the operations over it.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "domain/members.h"
#include "domain/quotas.h"
#include "domain/workspaces.h"
#include "store/testing/store_suite.h"

namespace workspaced::domain::testing {

class DomainFixture : public ::testing::TestWithParam<store::testing::Backend> {
 protected:
  void SetUp() override {
    using store::testing::kAcme;
    store_ = GetParam().open(dir_.path().string());
    ASSERT_NE(store_, nullptr) << GetParam().name << " backend not available";
    ASSERT_TRUE(store_->Migrate().ok());
    ws_ = store::testing::Id(1);
    model::Workspace ws = store::testing::MakeWorkspace(ws_, kAcme, "ws");
    ws.status = model::WorkspaceStatus::kActive;
    ws.phase = model::ProvisioningPhase::kReady;
    ws.version = 1;
    ASSERT_TRUE(store_
                    ->Write([&](store::Tx& tx) -> Status {
                      WS_RETURN_IF_ERROR(tx.InsertAccount({kAcme, "Acme", 1}));
                      WS_RETURN_IF_ERROR(
                          tx.PutAccountMember({kAcme, "alice", model::AccountRole::kAdmin, 1}));
                      WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
                      return tx.PutWorkspaceMember({ws_, "alice", model::WorkspaceRole::kAdmin, 1});
                    })
                    .ok());
    workspaces_ = std::make_unique<Workspaces>(
        WorkspaceDeps{*store_, clock_, *random_, failpoints_, nullptr});
    members_ = std::make_unique<Members>(*store_, clock_);
    quotas_ = std::make_unique<Quotas>(*store_, clock_, regions_);
  }

  // The events of one audit chain (a workspace id, or "" for the service's),
  // oldest first (commit order).
  std::vector<model::AuditEvent> ChainOf(const std::string& scope) {
    std::vector<model::AuditEvent> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      WS_ASSIGN_OR_RETURN(
                          out, tx.ScanAuditChain(scope, 0, 100'000, store::Tx::kNoByteLimit));
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }
  // The workspace's chain.
  std::vector<model::AuditEvent> Chain() { return ChainOf(ws_); }

  // Runs `n` calls of `fn(i)` at once; how many succeeded, and every refusal.
  template <typename F>
  std::pair<int, std::vector<Status>> AtOnce(int n, F fn) {
    std::atomic<int> ok{0};
    std::vector<Status> refused(static_cast<std::size_t>(n));
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        while (!go.load()) std::this_thread::yield();
        const Status s = fn(i);
        if (s.ok()) {
          ++ok;
        } else {
          refused[static_cast<std::size_t>(i)] = s;
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    std::erase_if(refused, [](const Status& s) { return s.ok(); });
    return {ok.load(), refused};
  }


  store::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  SystemClock clock_;
  std::unique_ptr<Random> random_ = NewSecureRandom();
  saga::Failpoints failpoints_;
  const std::vector<std::string> regions_ = {"us-east-1", "us-west-2", "eu-west-1"};
  std::unique_ptr<Workspaces> workspaces_;
  std::unique_ptr<Members> members_;
  std::unique_ptr<Quotas> quotas_;
  const Actor alice_{.subject = "alice", .auth = "dev", .request_id = "req_test"};
  std::string ws_;
};

}  // namespace workspaced::domain::testing
