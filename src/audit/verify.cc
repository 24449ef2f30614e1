#include "audit/verify.h"

#include "audit/chain.h"

namespace workspaced::audit {
namespace {

constexpr int kPage = 1000;

std::string Scope(const std::string& scope) {
  return scope.empty() ? "the chain of events without a workspace" : "workspace " + scope;
}

// One chain, oldest event first, against its head.
Status VerifyOne(store::Store& store, const model::AuditHead& head, VerifyReport& report) {
  std::string prev;
  std::int64_t last_seq = 0;
  while (true) {
    std::vector<model::AuditEvent> page;
    WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(page, tx.ScanAuditChain(head.scope, last_seq, kPage));
      return Status::Ok();
    }));
    for (const model::AuditEvent& e : page) {
      ++report.events;
      if (e.prev_hash != prev) {
        report.ok = false;
        report.problem = "event " + std::to_string(e.seq) + " (" + Scope(head.scope) +
                         "): its link to the previous event is broken — an event before it " +
                         (last_seq ? "(after event " + std::to_string(last_seq) + ") " : "") +
                         "was removed or the events were reordered";
        return Status::Ok();
      }
      if (ChainHash(e, prev) != e.hash) {
        report.ok = false;
        report.problem = "event " + std::to_string(e.seq) + " (" + Scope(head.scope) +
                         "): its content was altered (hash mismatch)";
        return Status::Ok();
      }
      prev = e.hash;
      last_seq = e.seq;
    }
    if (page.size() < static_cast<std::size_t>(kPage)) break;
  }
  if (last_seq != head.seq || prev != head.hash) {
    report.ok = false;
    report.problem = Scope(head.scope) + ": the newest event on record is " +
                     std::to_string(head.seq) + " but the chain ends at " +
                     (last_seq ? "event " + std::to_string(last_seq) : "no event") +
                     " — events at its end were removed or altered";
  }
  return Status::Ok();
}

}  // namespace

StatusOr<VerifyReport> VerifyChains(store::Store& store,
                                    const std::optional<std::string>& workspace_id) {
  std::vector<model::AuditHead> heads;
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(heads, tx.ListAuditHeads());
    return Status::Ok();
  }));
  VerifyReport report;
  for (const model::AuditHead& head : heads) {
    if (workspace_id && head.scope != *workspace_id) continue;
    ++report.chains;
    WS_RETURN_IF_ERROR(VerifyOne(store, head, report));
    if (!report.ok) return report;
  }
  if (workspace_id && report.chains == 0) {
    report.ok = false;
    report.problem = "workspace " + *workspace_id + " has no audit events on record";
  }
  return report;
}

}  // namespace workspaced::audit
