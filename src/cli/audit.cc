// `workspaced audit verify [--workspace ID]`: checks the audit log's hash
// chains (src/audit/chain.h). Exit 0 when intact; 1 naming the first event
// that was altered, removed or reordered.
#include <cctype>
#include <cstdio>

#include "app/app.h"
#include "audit/verify.h"
#include "cli/commands.h"
#include "common/random.h"

namespace workspaced::cli {

int AuditVerify(const AuditVerifyFlags& flags) {
  // A mistyped id is a usage error, not a chain found broken (and is not
  // repeated: it may hold anything a terminal would act on).
  if (!flags.workspace.empty() && !IsUuid(flags.workspace)) {
    std::fprintf(stderr, "workspaced: --workspace: not a workspace id (a UUID)\n");
    return 2;
  }
  app::Config config;
  if (!ResolveConfig(flags.common, config)) return 2;
  auto store = app::OpenStoreToRead(config);
  if (!store.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", store.status().message().c_str());
    return 1;
  }
  std::optional<std::string> workspace;
  if (!flags.workspace.empty()) {
    // A UUID in any case names the same workspace, as in the API's paths.
    workspace = flags.workspace;
    for (char& c : *workspace) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto report = audit::VerifyChains(**store, workspace);
  if (!report.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", report.status().message().c_str());
    // An id no workspace has is a usage error, not a chain found broken.
    return report.status().code() == Code::kNotFound ? 2 : 1;
  }
  if (!report->ok) {
    std::fprintf(stderr, "audit log NOT intact: %s\n", report->problem.c_str());
    return 1;
  }
  std::printf("audit log intact: %lld events in %d chain%s\n",
              static_cast<long long>(report->events), report->chains,
              report->chains == 1 ? "" : "s");
  return 0;
}

}  // namespace workspaced::cli
