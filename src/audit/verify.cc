#include "audit/verify.h"

#include <algorithm>
#include <set>

#include "audit/chain.h"
#include "common/time_format.h"

namespace workspaced::audit {
namespace {

constexpr int kPage = 1000;
// Times a chain that grew while it was read is read on (VerifyOne).
constexpr int kMaxRounds = 16;

std::string Scope(const std::string& scope) {
  return scope.empty() ? "the chain of events without a workspace" : "workspace " + scope;
}

// One chain, oldest event first, against its head row and its workspace row.
// `created` collects the accounts whose account.create event it holds.
Status VerifyOne(store::Store& store, const store::AuditChainRef& chain, VerifyReport& report,
                 std::set<std::string>& created) {
  const auto fail = [&](std::string problem) {
    report.ok = false;
    report.problem = std::move(problem);
    return Status::Ok();
  };
  std::string prev;
  std::int64_t last_seq = 0;
  Micros newest_time = 0;
  // Every event on record is checked, those past the listed head too: a
  // row added after the head (or a head moved back over edited rows) must
  // not go unread. A head read after the pages is at or past every event
  // they held (an event and its head commit together), so a chain that a
  // running server grew since the listing is read on to its new head; one
  // that still holds events past its head then was altered.
  std::optional<model::AuditHead> head;
  for (int round = 0;; ++round) {
    const std::int64_t read_before = last_seq;
    for (;;) {
      std::vector<model::AuditEvent> page;
      WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(page, tx.ScanAuditChain(chain.scope, last_seq, kPage,
                                                    store::Tx::kNoByteLimit));
        return Status::Ok();
      }));
      for (const model::AuditEvent& e : page) {
        ++report.events;
        if (e.prev_hash != prev) {
          return fail("event " + std::to_string(e.seq) + " (" + Scope(chain.scope) +
                      "): its link to the previous event is broken — an event before it " +
                      (last_seq ? "(after event " + std::to_string(last_seq) + ") " : "") +
                      "was removed or the events were reordered");
        }
        if (ChainHash(e, prev) != e.hash) {
          return fail("event " + std::to_string(e.seq) + " (" + Scope(chain.scope) +
                      "): its content was altered (hash mismatch)");
        }
        if (e.action == "account.create" && e.workspace_id.empty()) created.insert(e.target_id);
        prev = e.hash;
        last_seq = e.seq;
        newest_time = std::max(newest_time, e.time);
      }
      if (page.size() < static_cast<std::size_t>(kPage)) break;
    }
    WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(head, tx.GetAuditHead(chain.scope));
      return Status::Ok();
    }));
    // Grown while it was read: read on. A head past the events with none
    // new read since the last look is a chain cut at its end (judged
    // below). A chain that grows faster than it is read is judged by what
    // was read (every event linked): the next run checks the rest.
    if (!head || head->seq <= last_seq) break;
    if (round > 0 && last_seq == read_before) break;
    if (round == kMaxRounds) return Status::Ok();
  }
  const std::string ends_at = last_seq ? "event " + std::to_string(last_seq) : "no event";
  if (!head) {
    if (last_seq == 0) {
      // Listed only because the workspace exists: it was created with an event.
      return fail(Scope(chain.scope) +
                  " exists but has no audit events — its chain was removed (every workspace "
                  "is created with a workspace.create event)");
    }
    return fail(Scope(chain.scope) + ": the chain ends at " + ends_at +
                " but has no head row — the head (and perhaps events after it) was removed");
  }
  if (last_seq > head->seq) {
    return fail(Scope(chain.scope) + ": events after " + std::to_string(head->seq) +
                ", the chain's head, are on record (up to " + ends_at +
                ") — events were inserted after the head, or the head was moved back");
  }
  if (last_seq != head->seq) {
    return fail(Scope(chain.scope) + ": the newest event on record is " +
                std::to_string(head->seq) + " but the chain ends at " + ends_at +
                " — events at its end were removed or altered");
  }
  if (prev != head->hash) {
    return fail(Scope(chain.scope) + ": the head row's hash disagrees with event " +
                std::to_string(last_seq) + ", the chain's last — the head or the chain's end " +
                "was altered");
  }
  // Head and chain can be cut back together; the workspace row then still
  // says when it last changed, and every change was audited at that time.
  if (chain.workspace_updated_at && newest_time < *chain.workspace_updated_at) {
    return fail(Scope(chain.scope) + ": the workspace last changed at " +
                FormatRfc3339Micros(*chain.workspace_updated_at) + " but its newest event (" +
                ends_at + ") is from " + FormatRfc3339Micros(newest_time) +
                " — events at the chain's end were removed and its head moved back");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<VerifyReport> VerifyChains(store::Store& store,
                                    const std::optional<std::string>& workspace_id,
                                    const std::function<void()>& after_listing) {
  std::vector<store::AuditChainRef> chains;
  // The accounts, in the chains' snapshot: each one's creation is an event
  // of the chain without a workspace, committed with the account, so
  // removing that whole chain (heads and all) is seen here.
  std::vector<std::string> accounts;
  std::set<std::string> unaudited;  // created before that was on record
  WS_RETURN_IF_ERROR(store.Read([&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(chains, tx.ListAuditChains());
    if (workspace_id) return Status::Ok();
    for (store::Page page{"", kPage};;) {
      WS_ASSIGN_OR_RETURN(const std::vector<model::Account> some, tx.ListAccounts(page));
      for (const model::Account& a : some) accounts.push_back(a.id);
      if (some.size() < static_cast<std::size_t>(kPage)) break;
      page.after = some.back().id;
    }
    WS_ASSIGN_OR_RETURN(const std::optional<std::string> old,
                        tx.GetMeta("accounts_created_unaudited"));
    for (std::size_t at = 0; old && at < old->size();) {
      const std::size_t comma = std::min(old->find(',', at), old->size());
      unaudited.insert(old->substr(at, comma - at));
      at = comma + 1;
    }
    return Status::Ok();
  }));
  if (after_listing) after_listing();
  VerifyReport report;
  std::set<std::string> created;
  for (const store::AuditChainRef& chain : chains) {
    if (workspace_id && chain.scope != *workspace_id) continue;
    ++report.chains;
    WS_RETURN_IF_ERROR(VerifyOne(store, chain, report, created));
    if (!report.ok) return report;
  }
  for (const std::string& id : accounts) {
    if (created.contains(id) || unaudited.contains(id)) continue;
    report.ok = false;
    report.problem = "account " + id + " has no account.create event in " + Scope("") +
                     " — events of that chain were removed (every account is created with one)";
    return report;
  }
  // Every workspace row is listed (with or without events), so a workspace
  // with no chain has no row either: a mistyped id, not tampering.
  if (workspace_id && report.chains == 0) return NotFound("no workspace " + *workspace_id);
  return report;
}

}  // namespace workspaced::audit
