#include "domain/audit_group_commit.h"

#include <csignal>
#include <vector>

#include "common/log.h"

namespace workspaced::domain {

Status AuditGroupCommit::Append(const model::AuditEvent& event) {
  Waiter self{&event, Status::Ok()};
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  for (;;) {
    // Each waiter is woken alone (its batch is done, or it is to lead next):
    // a notify_all per commit cost every waiting worker a context switch.
    self.wake.wait(lock, [&] { return self.done || !leading_; });
    if (self.done) return self.result;
    // Lead: commit what is queued (this caller's event among it, unless more
    // than a batch came first: then lead again).
    leading_ = true;
    std::vector<Waiter*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    CommitBatch(batch);
    lock.lock();
    ++commits_;
    leading_ = false;
    for (Waiter* w : batch) {
      w->done = true;
      if (w != &self) w->wake.notify_one();
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();  // arrived meanwhile: leads next
  }
}

void AuditGroupCommit::CommitBatch(const std::vector<Waiter*>& batch) {
  MaybeCrash("audit_group_before_commit");
  const Status s = store_.Write([&](store::Tx& tx) -> Status {
    for (Waiter* w : batch) {  // the callback may run again: start over
      w->result = Status::Ok();
      const std::string& ws = w->event->workspace_id;
      if (!ws.empty()) {
        const StatusOr<model::WorkspaceStatus> st = tx.GetWorkspaceStatus(ws);
        if (st.status().code() == Code::kNotFound) {
          w->result = st.status();
          continue;
        }
        WS_RETURN_IF_ERROR(st.status());
      }
      WS_RETURN_IF_ERROR(tx.AppendAudit(*w->event));
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    for (Waiter* w : batch)
      if (w->result.ok()) w->result = s;
    return;
  }
  MaybeCrash("audit_group_after_commit");
}

void AuditGroupCommit::MaybeCrash(std::string_view point) const {
  if (failpoints_.For(point, 1) != saga::Failpoint::Action::kCrash) return;
  log::Error("failpoint: crashing", {{"point", std::string(point)}});
  std::raise(SIGKILL);
}

std::uint64_t AuditGroupCommit::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

}  // namespace workspaced::domain
