// workspaced authz reconcile: make SpiceDB hold exactly the database's
// relationships (src/spicedb/reconcile.h), printing every change.
#include <cstdio>

#include "app/app.h"
#include "cli/commands.h"
#include "spicedb/client.h"
#include "spicedb/reconcile.h"

namespace workspaced::cli {

int AuthzReconcile(const AuthzReconcileFlags& flags) {
  app::Config config;
  if (!ResolveConfig(flags.common, config)) return 2;
  if (config.spicedb.target == "none") {
    std::fprintf(stderr, "workspaced: no SpiceDB is configured (spicedb.target is none)\n");
    return 2;
  }
  if (config.spicedb.target == "embedded") {
    std::fprintf(stderr,
                 "workspaced: the embedded engine lives inside the server process, which "
                 "reconciles it at every start; reconcile is for spicedb.target grpc\n");
    return 2;
  }
  auto store = app::OpenStore(config, /*existing=*/true);
  if (!store.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", store.status().message().c_str());
    return 1;
  }
  auto spicedb = app::ConnectSpiceDb(config.spicedb);
  if (!spicedb.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", spicedb.status().message().c_str());
    return 1;
  }
  auto report = spicedb::Reconcile(**store, **spicedb, app::SpiceDbTypes(), flags.dry_run);
  if (!report.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", report.status().message().c_str());
    return 1;
  }
  for (const auto& r : report->removed) std::printf("- %s\n", spicedb::ToString(r).c_str());
  for (const auto& r : report->added) std::printf("+ %s\n", spicedb::ToString(r).c_str());
  std::printf("%s: %zu relationship%s added to SpiceDB, %zu removed\n",
              flags.dry_run ? "dry run (nothing written)" : "reconciled", report->added.size(),
              report->added.size() == 1 ? "" : "s", report->removed.size());
  return 0;
}

}  // namespace workspaced::cli
