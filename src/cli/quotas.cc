// `workspaced quotas recount`: compares every kept count of a workspace's
// pillar items (pillar_counts, what quotas and safe delete read) with the
// items it counts, prints each that disagrees and sets it right
// (docs/lifecycle.md#quotas). The counts are kept by triggers in the
// transaction of every item's write; only a hand edit of the database, or a
// bug, moves them apart, and they are clamped at 0, which would hide it.
// The counts are derived from the items (which are audited): a recount is
// not an audit event.
#include <cstdio>

#include "app/app.h"
#include "cli/commands.h"

namespace workspaced::cli {

int QuotasRecount(const QuotasRecountFlags& flags) {
  app::Config config;
  if (!ResolveConfig(flags.common, config)) return 2;
  // A dry run only reads: opened as `audit verify` opens it, it waits for
  // no writer (it waited on SQLite's write lock, then failed busy).
  auto store =
      flags.dry_run ? app::OpenStoreToRead(config) : app::OpenStore(config, /*existing=*/true);
  if (!store.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", store.status().message().c_str());
    return 1;
  }
  std::vector<store::PillarCountDrift> drift;
  const auto recount = [&](store::Tx& tx) -> Status {
    WS_ASSIGN_OR_RETURN(drift, tx.RecountPillarItems(/*repair=*/!flags.dry_run));
    return Status::Ok();
  };
  // One transaction: on a running service, a write to the items meanwhile
  // makes the recount run again (PostgreSQL) or waits (SQLite's one writer).
  const Status done = flags.dry_run ? (*store)->Read(recount) : (*store)->Write(recount);
  if (!done.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", done.message().c_str());
    return 1;
  }
  for (const auto& d : drift) {
    std::printf("workspace %s %s: counted %lld, holds %lld\n", d.workspace_id.c_str(),
                d.pillar.c_str(), static_cast<long long>(d.counted),
                static_cast<long long>(d.held));
  }
  if (drift.empty()) {
    std::printf("pillar counts agree with the items\n");
    return 0;
  }
  if (flags.dry_run) {
    std::printf("dry run (nothing written): %zu count%s disagree%s with the items\n", drift.size(),
                drift.size() == 1 ? "" : "s", drift.size() == 1 ? "s" : "");
    return 1;
  }
  std::printf("recounted: %zu count%s set to the items held\n", drift.size(),
              drift.size() == 1 ? "" : "s");
  return 0;
}

}  // namespace workspaced::cli
