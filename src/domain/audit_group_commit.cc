#include "domain/audit_group_commit.h"

#include <condition_variable>
#include <csignal>
#include <map>
#include <utility>

#include "common/log.h"
#include "store/write_check.h"

namespace workspaced::domain {

void AuditGroupCommit::Append(model::AuditEvent event, std::function<void(Status)> done) {
  std::unique_lock lock(mu_);
  queue_.push_back(Item{std::move(event), std::move(done), Status::Ok()});
  if (leading_) return;  // the leader takes it with its next batch
  leading_ = true;
  std::vector<Item> batch;
  while (!queue_.empty()) {
    batch.clear();
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    // Nothing may leave this loop by an exception: leading_ would stay set
    // and every later event wait for a leader that never comes.
    try {
      CommitBatch(batch);
    } catch (const std::exception& e) {
      log::Error("audit group commit threw", {{"error", e.what()}});
      for (Item& item : batch) item.result = Internal("audit group commit failed");
    }
    for (Item& item : batch) {
      try {
        item.done(item.result);
      } catch (const std::exception& e) {
        log::Error("an audit group completion threw", {{"error", e.what()}});
      }
    }
    lock.lock();
    ++commits_;
    events_ += batch.size();
  }
  leading_ = false;
}

Status AuditGroupCommit::Append(const model::AuditEvent& event) {
  struct Outcome {
    std::mutex mu;
    std::condition_variable known;
    bool done = false;  // GUARDED_BY(mu)
    Status result;
  } outcome;
  Append(event, [&outcome](Status s) {
    std::lock_guard lock(outcome.mu);
    outcome.result = std::move(s);
    outcome.done = true;
    outcome.known.notify_one();
  });
  std::unique_lock lock(outcome.mu);
  outcome.known.wait(lock, [&] { return outcome.done; });
  return outcome.result;
}

void AuditGroupCommit::CommitBatch(std::vector<Item>& batch) {
  MaybeCrash("audit_group_before_commit");
  // The batch holds other requests' events: the one whose thread leads it
  // does not decide, by its own permissions (api::GrantCheck), whether
  // theirs are recorded. Each was decided by its own operation.
  const store::ScopedWriteCheck unchecked(nullptr);
  const Status s = store_.Write([&](store::Tx& tx) -> Status {
    // Reveals come in runs of one workspace: look each up once.
    std::map<std::string_view, Status> exists;
    for (Item& item : batch) {  // the callback may run again: start over
      item.result = Status::Ok();
      const std::string& ws = item.event.workspace_id;
      if (!ws.empty()) {
        auto it = exists.find(ws);
        if (it == exists.end()) {
          const StatusOr<model::WorkspaceStatus> st = tx.GetWorkspaceStatus(ws);
          if (!st.ok() && st.status().code() != Code::kNotFound) return st.status();
          it = exists.emplace(ws, st.status()).first;
        }
        if (!it->second.ok()) {
          item.result = it->second;
          continue;
        }
      }
      WS_RETURN_IF_ERROR(tx.AppendAudit(item.event));
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    for (Item& item : batch)
      if (item.result.ok()) item.result = s;
    return;
  }
  MaybeCrash("audit_group_after_commit");
}

void AuditGroupCommit::MaybeCrash(std::string_view point) const {
  if (failpoints_.For(point, 1) != saga::Failpoint::Action::kCrash) return;
  log::Error("failpoint: crashing", {{"point", std::string(point)}});
  log::Flush();
  std::raise(SIGKILL);
}

std::uint64_t AuditGroupCommit::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

std::uint64_t AuditGroupCommit::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

PendingAudit::PendingAudit() = default;
PendingAudit::PendingAudit(AuditGroupCommit& group, model::AuditEvent event)
    : group_(&group), event_(std::make_unique<model::AuditEvent>(std::move(event))) {}
PendingAudit::PendingAudit(PendingAudit&&) noexcept = default;
PendingAudit& PendingAudit::operator=(PendingAudit&&) noexcept = default;
PendingAudit::~PendingAudit() = default;

void PendingAudit::Submit(std::function<void(Status)> then) && {
  std::unique_ptr<model::AuditEvent> event = std::move(event_);
  group_->Append(std::move(*event), std::move(then));
}

Status PendingAudit::Wait() && {
  std::unique_ptr<model::AuditEvent> event = std::move(event_);
  return group_->Append(*event);
}

}  // namespace workspaced::domain
