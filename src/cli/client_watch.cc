// `workspaced op watch` and the `--wait` of create and retry: poll a
// provisioning run with backoff, showing its steps as they advance.
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/client_context.h"
#include "client/run_progress.h"

namespace workspaced::cli {

namespace {

int TerminalWidth() {
  winsize w{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col - 1;
  return 79;
}

}  // namespace

int WatchOperation(client::ApiClient& api, const std::string& run_id) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  client::RunProgress progress(stderr, tty, tty ? TerminalWidth() : 0);
  client::PollBackoff backoff;
  const auto start = std::chrono::steady_clock::now();
  const std::string target = "/v1/provisioning-runs/" + client::QueryEscape(run_id);
  for (;;) {
    std::string body;
    int exit_code = kExitOk;
    if (!GetJson(api, target, body, exit_code)) {
      if (tty) std::fputc('\n', stderr);
      return exit_code;
    }
    auto run = client::ParseRun(body);
    if (!run.ok()) return ReportStatus(run.status());
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool changed = progress.Show(*run, elapsed);
    if (run->state == "succeeded") return kExitOk;
    if (run->state == "failed") {
      // The server's reason reads "provisioning failed at step …: …".
      std::fprintf(stderr, "error: %s\n",
                   run->error.empty() ? "provisioning failed" : run->error.c_str());
      return kExitFailed;
    }
    api.Sleep(backoff.Next(changed));
  }
}

}  // namespace workspaced::cli
