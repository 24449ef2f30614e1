// `workspaced ws export`: the workspace's export streamed to a file (or
// stdout) a piece at a time, never held whole. A file is written under a
// temporary name and renamed once the server's last chunk arrived, so an
// interrupted export never leaves a file that looks complete.
#include <cstdio>
#include <string>

#include "cli/client_commands.h"

namespace workspaced::cli {

int ClientExport(const ClientFlags& client, const ClientExportFlags& flags) {
  if (!flags.format.empty() && flags.format != "json" && flags.format != "ndjson" &&
      flags.format != "csv") {
    std::fprintf(stderr, "error: --format must be json, ndjson or csv\n");
    return kExitUsage;
  }
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  const bool to_stdout = flags.file.empty() || flags.file == "-";
  const std::string part = flags.file + ".part";
  std::FILE* sink = to_stdout ? stdout : std::fopen(part.c_str(), "wb");
  if (sink == nullptr) {
    std::fprintf(stderr, "error: cannot write %s\n", part.c_str());
    return kExitFailed;
  }
  // No --format: no ?format=, so the server's configured default applies
  // (the client's Accept ranks every format alike, and a tie goes to it).
  std::string path = "/v1/workspaces/" + client::QueryEscape(flags.id) + "/export";
  if (!flags.format.empty()) path += "?format=" + flags.format;
  auto r = api->Download(path, sink);
  const bool flushed = std::fflush(sink) == 0;
  if (to_stdout) {
    if (!r.ok()) return ReportStatus(r.status());
    if (r->status != 200) return ReportProblem(*r);
    return flushed ? kExitOk : kExitFailed;
  }
  const bool arrived = std::ftell(sink) > 0;
  const bool closed = std::fclose(sink) == 0;
  if (!r.ok() || r->status != 200 || !flushed || !closed) {
    std::remove(part.c_str());
    if (!r.ok()) {
      const int code = ReportStatus(r.status());
      if (arrived)
        std::fprintf(stderr, "error: the export is incomplete; no file was written (%s)\n",
                     flags.file.c_str());
      return code;
    }
    if (r->status != 200) return ReportProblem(*r);
    std::fprintf(stderr, "error: cannot write %s\n", flags.file.c_str());
    return kExitFailed;
  }
  if (std::rename(part.c_str(), flags.file.c_str()) != 0) {
    std::remove(part.c_str());
    std::fprintf(stderr, "error: cannot write %s\n", flags.file.c_str());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace workspaced::cli
