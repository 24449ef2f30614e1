// An audit event that an answer waits for: the answer (a revealed secret, a
// detokenized value) may leave only once the event is durable. A domain
// operation returns one beside its result instead of committing the event
// itself, so that the thread that asked does not wait for the commit: the
// API hands it to the transport, which sends the answer from whichever
// thread commits the event (domain/audit_group_commit.h).
//
// Move-only; Submit or Wait consumes it. Dropping one unsubmitted drops the
// event: do so only when its answer is not sent either.
//
// Thread-safety: one owner at a time.
#pragma once

#include <functional>
#include <memory>

#include "common/status.h"

namespace workspaced::model {
struct AuditEvent;
}

namespace workspaced::domain {

class AuditGroupCommit;

class PendingAudit {
 public:
  PendingAudit();  // nothing pending
  PendingAudit(AuditGroupCommit& group, model::AuditEvent event);
  PendingAudit(PendingAudit&&) noexcept;
  PendingAudit& operator=(PendingAudit&&) noexcept;
  ~PendingAudit();

  // Whether an event is pending (not yet submitted).
  explicit operator bool() const { return event_ != nullptr; }

  // Queues the event for the next group commit. `then` runs exactly once,
  // with OK once the event is durable, or the failure: on the thread that
  // commits its group (possibly this one, before Submit returns). `then`
  // must not block. Requires *this to hold an event.
  void Submit(std::function<void(Status)> then) &&;
  // Submits and returns once the outcome is known.
  [[nodiscard]] Status Wait() &&;

 private:
  AuditGroupCommit* group_ = nullptr;
  std::unique_ptr<model::AuditEvent> event_;
};

}  // namespace workspaced::domain
