// `workspaced op watch` and the `--wait` of create, retry and delete: poll an
// operation (GET /v1/operations/{id}) with backoff, showing its steps.
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

int WatchOperation(client::ApiClient& api, const std::string& operation_id,
                   std::string* finished) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  client::RunProgress progress(stderr, tty, tty ? TerminalWidth() : 0);
  client::PollBackoff backoff;
  const auto start = std::chrono::steady_clock::now();
  const std::string target = "/v1/operations/" + client::QueryEscape(operation_id);
  bool purging = false;  // the operation was seen as a purge that had not ended
  for (;;) {
    auto r = api.Get(target);
    if (tty && (!r.ok() || r->status != 200)) std::fputc('\n', stderr);
    if (!r.ok()) return ReportStatus(r.status());
    // A purge's last step seals the workspace; its operations stay readable
    // by its account's admins only (docs/lifecycle.md). To anyone else the
    // purge's 404 is its success.
    if (r->status == 404 && purging) {
      std::fprintf(stderr, "run purged: the workspace is gone\n");
      return kExitOk;
    }
    if (r->status != 200) return ReportProblem(*r);
    auto run = client::ParseRun(r->body);
    if (!run.ok()) return ReportStatus(run.status());
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool changed = progress.Show(*run, elapsed);
    purging = run->kind == "purge" && !run->Finished();
    if (finished != nullptr && run->Finished()) *finished = r->body;
    if (run->state == "succeeded") return kExitOk;
    if (run->state == "failed" || run->state == "cancelled") {
      // The server's reason reads "provisioning failed at step …: …".
      std::fprintf(stderr, "error: %s\n",
                   !run->error.empty() ? run->error.c_str()
                   : run->state == "cancelled" ? "the operation was cancelled"
                                               : "the operation failed");
      return kExitFailed;
    }
    api.Sleep(backoff.Next(changed));
  }
}

}  // namespace workspaced::cli
