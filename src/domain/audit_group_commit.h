// Group commit of audit events: callers that each need one event on the
// record before they answer (a secret's reveal: "the value leaves only once
// its reveal is on the record") share one durable write transaction instead
// of paying a commit (an fsync on SQLite) each.
//
// Append queues an event with a completion and returns at once unless no
// commit is in progress: then its caller leads, committing everything queued
// (at most kMaxBatch per transaction, appended in arrival order; the hash
// chain is extended event by event inside the transaction, as by any other
// writer) and then whatever queued meanwhile, until the queue is empty. So
// one commit serves everything that arrived during the one before it, a lone
// caller pays what a plain Write costs, and under load one thread commits
// back to back while the others go on serving requests: nobody else waits.
// Each completion runs on the leading thread right after its transaction.
//
// The leader is always a thread that called Append (a worker, whose pool is
// joined before the transport goes away, or a caller of the blocking form),
// so there is no thread of its own to start or stop, and no completion can
// outlive the pool that would deliver its answer.
//
// Guarantee: a completion sees OK only once its event is durable (the Write
// returned OK), so a crash loses no event whose caller was answered. An
// event of a workspace that no longer exists (purged) fails alone
// (kNotFound); any other failure of the transaction fails every event in it.
//
// Failpoints (tests; saga/failpoints.h): audit_group_before_commit and
// audit_group_after_commit, crash only, around the shared Write.
//
// Thread-safety: safe from any thread. Never call it from inside a Store
// transaction (it writes), nor from an I/O thread (it may lead a commit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "common/status.h"
#include "domain/pending_audit.h"
#include "model/model.h"
#include "saga/failpoints.h"
#include "store/store.h"

namespace workspaced::domain {

class AuditGroupCommit {
 public:
  static constexpr std::size_t kMaxBatch = 256;

  AuditGroupCommit(store::Store& store, const saga::Failpoints& failpoints)
      : store_(store), failpoints_(failpoints) {}

  // Appends `event` (its workspace, when it names one, must still exist);
  // `done` runs exactly once with the outcome (see above). `done` must not
  // block.
  void Append(model::AuditEvent event, std::function<void(Status)> done);
  // The same, returning once the event is durable or has failed.
  [[nodiscard]] Status Append(const model::AuditEvent& event);

  // Transactions committed so far, and the events they held (tests, metrics).
  std::uint64_t commits() const;
  std::uint64_t events() const;

 private:
  struct Item {
    model::AuditEvent event;
    std::function<void(Status)> done;
    Status result;
  };
  void CommitBatch(std::vector<Item>& batch);
  void MaybeCrash(std::string_view point) const;

  store::Store& store_;
  const saga::Failpoints& failpoints_;
  mutable std::mutex mu_;
  std::deque<Item> queue_;     // GUARDED_BY(mu_)
  bool leading_ = false;       // a thread is committing; GUARDED_BY(mu_)
  std::uint64_t commits_ = 0;  // GUARDED_BY(mu_)
  std::uint64_t events_ = 0;   // GUARDED_BY(mu_)
};

}  // namespace workspaced::domain
