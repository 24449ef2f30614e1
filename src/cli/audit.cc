// `workspaced audit verify [--workspace ID] [--anchors FILE]`: checks the
// audit log's hash chains (src/audit/chain.h), and that the heads `audit
// heads` printed earlier are still on record (src/audit/anchors.h). Exit 0
// when intact; 1 naming the first event that was altered, removed or
// reordered, or the first anchored head that is gone or rewritten.
#include <cctype>
#include <cstdio>

#include "app/app.h"
#include "audit/anchors.h"
#include "audit/verify.h"
#include "cli/commands.h"
#include "common/random.h"
#include "common/regular_file.h"
#include "common/time_format.h"

namespace workspaced::cli {

int AuditVerify(const AuditVerifyFlags& flags) {
  // A mistyped id is a usage error, not a chain found broken (and is not
  // repeated: it may hold anything a terminal would act on).
  if (!flags.workspace.empty() && !IsUuid(flags.workspace)) {
    std::fprintf(stderr, "workspaced: --workspace: not a workspace id (a UUID)\n");
    return 2;
  }
  // The anchors first: a file that is not one is a usage error, found before
  // any chain is read.
  std::vector<audit::Anchor> anchors;
  Micros taken_at = 0;
  if (!flags.anchors.empty()) {
    const StatusOr<RegularFile> file = ReadRegularFile(flags.anchors, 256 << 20);
    StatusOr<std::vector<audit::Anchor>> parsed =
        file.ok() ? audit::ParseAnchorsJson(file->contents, taken_at)
                  : StatusOr<std::vector<audit::Anchor>>(file.status());
    if (!parsed.ok()) {
      std::fprintf(stderr, "workspaced: --anchors: %s%s\n",
                   file.ok() ? (flags.anchors + ": ").c_str() : "",
                   parsed.status().message().c_str());
      return 2;
    }
    anchors = std::move(parsed).value();
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
  if (report->ok && !flags.anchors.empty()) {
    if (const Status s = audit::CheckAnchors(**store, anchors, workspace, *report); !s.ok()) {
      std::fprintf(stderr, "workspaced: %s\n", s.message().c_str());
      return 1;
    }
  }
  if (!report->ok) {
    std::fprintf(stderr, "audit log NOT intact: %s\n", report->problem.c_str());
    return 1;
  }
  std::printf("audit log intact: %lld events in %d chain%s", static_cast<long long>(report->events),
              report->chains, report->chains == 1 ? "" : "s");
  if (!flags.anchors.empty()) {
    std::printf("; %d anchored head%s of %s on record", report->anchors,
                report->anchors == 1 ? "" : "s", FormatRfc3339(taken_at).c_str());
  }
  std::printf("\n");
  return 0;
}

int AuditHeads(const CommonFlags& flags) {
  app::Config config;
  if (!ResolveConfig(flags, config)) return 2;
  auto store = app::OpenStoreToRead(config);
  if (!store.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", store.status().message().c_str());
    return 1;
  }
  const Micros now = SystemClock().Now();
  const StatusOr<std::vector<audit::Anchor>> anchors = audit::TakeAnchors(**store);
  if (!anchors.ok()) {
    std::fprintf(stderr, "workspaced: %s\n", anchors.status().message().c_str());
    return 1;
  }
  std::printf("%s\n", audit::AnchorsJson(*anchors, now).c_str());
  return 0;
}

}  // namespace workspaced::cli
