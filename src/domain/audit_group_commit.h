// Group commit of audit events: callers that each need one event on the
// record before they answer (a secret's reveal: "the value leaves only once
// its reveal is on the record") share one durable write transaction instead
// of paying a commit (an fsync on SQLite) each.
//
// Append blocks its caller — a worker thread, never an I/O thread (the
// server runs handlers on its worker pool) — until the transaction holding
// its event has committed or failed. The first caller to find no commit in
// progress leads: it takes every event queued (at most kMaxBatch) and
// commits them in one Store::Write, appended in arrival order (the hash
// chain is extended event by event inside that transaction, as by any other
// writer); callers arriving meanwhile queue for the next. So one commit
// serves everything that arrived during the one before it, and a lone
// caller pays what a plain Write costs.
//
// Guarantee: Append returns OK only once its event is durable (the Write
// returned OK), so a crash loses no event whose caller was answered. An
// event of a workspace that no longer exists (purged) fails alone
// (kNotFound); any other failure of the transaction fails every event in it.
//
// Failpoints (tests; saga/failpoints.h): audit_group_before_commit and
// audit_group_after_commit, crash only, around the shared Write.
//
// Thread-safety: safe from any thread. Never call it from inside a Store
// transaction (it writes).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "common/status.h"
#include "model/model.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::domain {

class AuditGroupCommit {
 public:
  static constexpr std::size_t kMaxBatch = 256;

  AuditGroupCommit(store::Store& store, const saga::Failpoints& failpoints)
      : store_(store), failpoints_(failpoints) {}

  // Appends `event` (its workspace, when it names one, must still exist)
  // and returns once that is durable, or has failed.
  [[nodiscard]] Status Append(const model::AuditEvent& event);

  // Transactions committed so far (tests, metrics).
  std::uint64_t commits() const;

 private:
  struct Waiter {
    const model::AuditEvent* event;
    Status result;
    bool done = false;  // GUARDED_BY(mu_)
    std::condition_variable wake;
  };
  void CommitBatch(const std::vector<Waiter*>& batch);
  void MaybeCrash(std::string_view point) const;

  store::Store& store_;
  const saga::Failpoints& failpoints_;
  mutable std::mutex mu_;
  std::deque<Waiter*> queue_;  // GUARDED_BY(mu_)
  bool leading_ = false;       // a batch is being committed; GUARDED_BY(mu_)
  std::uint64_t commits_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace workspaced::domain
