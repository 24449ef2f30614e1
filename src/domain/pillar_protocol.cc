#include "domain/pillar_protocol.h"

#include "domain/data_keys.h"

#include <csignal>
#include <utility>
#include <vector>

#include "common/log.h"
#include "domain/workspace_rules.h"

namespace workspaced::domain {
namespace {

// Outcomes of step 2 that are certain: the transaction did not commit.
bool CertainlyNotCommitted(const Status& s) {
  switch (s.code()) {
    case Code::kFrozen:
    case Code::kConflict:
    case Code::kNotFound:
    case Code::kUnprocessable:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status RequireActiveFor(const model::Workspace& ws, std::string_view what) {
  WS_RETURN_IF_ERROR(RequireNotFrozen(ws));
  WS_RETURN_IF_ERROR(RequireNotDeleted(ws));
  switch (ws.status) {
    case model::WorkspaceStatus::kActive:
      return Status::Ok();
    case model::WorkspaceStatus::kProvisioning:
      return Conflict("the workspace is still provisioning; " + std::string(what) +
                      " change only once it is active");
    case model::WorkspaceStatus::kError:
      return Conflict("the workspace's provisioning failed (status error); " +
                      std::string(what) + " change only while it is active");
    default:
      return Conflict("the workspace's status is " + std::string(model::ToString(ws.status)) +
                      "; " + std::string(what) + " change only while it is active");
  }
}

void PillarProtocol::MaybeCrash(std::string_view step) const {
  const std::string point = pillar_ + "_" + std::string(step);
  if (failpoints_.For(point, 1) != saga::Failpoint::Action::kCrash) return;
  log::Error("failpoint: crashing", {{"point", point}});
  log::Flush();
  std::raise(SIGKILL);
}

StatusOr<model::Workspace> PillarProtocol::ReadWorkspace(
    const std::string& workspace_id, std::optional<std::string>* data_key) const {
  model::Workspace ws;
  WS_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(workspace_id));
    if (data_key != nullptr) {
      WS_ASSIGN_OR_RETURN(*data_key, DataKeys::ReadInTx(tx, workspace_id));
    }
    return Status::Ok();
  }));
  return ws;
}

Status PillarProtocol::ForEachKeyedWorkspace(
    FunctionRef<void(const model::Workspace&)> visit) const {
  std::string after;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> page;
    WS_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(page, tx.ListDataKeys(after, 100));
      return Status::Ok();
    }));
    if (page.empty()) return Status::Ok();
    after = page.back().first;
    for (const auto& entry : page) {
      const StatusOr<model::Workspace> ws = ReadWorkspace(entry.first);
      if (ws.ok()) visit(*ws);
    }
  }
}

Status PillarProtocol::Finish(const model::Workspace& ws, const std::string& operation_id,
                              model::AuditEvent audit, RuleFn rule, OpFn commit, OpFn discard) {
  const Status s = store_.Write([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(const model::Workspace current, tx.GetWorkspace(ws.id));
    WS_RETURN_IF_ERROR(RequireActiveFor(current, pillar_));
    WS_RETURN_IF_ERROR(rule(tx, current));
    const Status recorded = tx.RecordPillarOperation(operation_id, ws.id, true, clock_.Now());
    if (recorded.code() == Code::kConflict)  // a sweep aborted it: it waited too long
      return Unavailable("the change took too long and was abandoned; retry it");
    WS_RETURN_IF_ERROR(recorded);
    return tx.AppendAudit(audit);
  });
  if (!s.ok()) {
    if (CertainlyNotCommitted(s)) {
      const Status discarded = discard(operation_id);
      if (!discarded.ok())  // the sweep removes it
        log::Warn(pillar_ + ": a refused change's pending rows stay",
                  {{"workspace_id", ws.id}, {"error", discarded.message()}});
    }
    return s;
  }
  MaybeCrash("after_commit_record");
  // Step 3: committed whatever happens here; the next reader or the sweep
  // applies rows left pending.
  const Status applied = commit(operation_id);
  if (!applied.ok())
    log::Warn(pillar_ + ": a committed change waits for its dataplane rows",
              {{"workspace_id", ws.id}, {"error", applied.message()}});
  return Status::Ok();
}

StatusOr<bool> PillarProtocol::Resolve(const model::Workspace& ws, const std::string& operation_id,
                                       Micros created_at, Micros bound, OpFn commit, OpFn discard) {
  std::optional<bool> outcome;
  const auto read = [&]() {
    return store_.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(outcome, tx.GetPillarOperation(operation_id));
      return Status::Ok();
    });
  };
  WS_RETURN_IF_ERROR(read());
  if (!outcome) {
    if (clock_.Now() - created_at < bound) return false;
    // Record it aborted; a step 2 that committed first wins (kConflict).
    const Status s = store_.Write([&](store::Tx& tx) {
      return tx.RecordPillarOperation(operation_id, ws.id, false, clock_.Now());
    });
    if (s.ok()) {
      outcome = false;
    } else if (s.code() == Code::kConflict) {
      WS_RETURN_IF_ERROR(read());
      if (!outcome) return Internal(pillar_ + ": an operation's outcome vanished");
    } else {
      return s;
    }
  }
  if (*outcome) {
    WS_RETURN_IF_ERROR(commit(operation_id));
    return true;
  }
  WS_RETURN_IF_ERROR(discard(operation_id));
  return false;
}

}  // namespace workspaced::domain
