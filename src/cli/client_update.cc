// `workspaced ws update ID`: a JSON merge patch (RFC 7396) of the fields
// given, sent with If-Match when asked (docs/lifecycle.md, "Update").
#include <boost/json.hpp>
#include <cstdio>

#include "cli/client_commands.h"
#include "cli/client_output.h"

namespace workspaced::cli {

namespace json = boost::json;

std::string QuotedEtag(const std::string& etag) {
  if (etag.empty() || etag == "*" || etag.front() == '"' || etag.rfind("W/", 0) == 0) return etag;
  return "\"" + etag + "\"";
}

int ClientUpdate(const ClientFlags& client, const ClientUpdateFlags& flags) {
  json::object patch;
  if (!flags.name.empty()) patch["name"] = flags.name;
  if (!flags.slug.empty()) patch["slug"] = flags.slug;
  json::object labels;
  if (!SplitLabels(flags.labels, labels)) return kExitUsage;
  for (const auto& key : flags.remove_labels) {
    if (labels.contains(key)) {
      std::fprintf(stderr, "error: label \"%s\" is both set and removed\n", key.c_str());
      return kExitUsage;
    }
    labels[key] = nullptr;
  }
  if (!labels.empty()) patch["labels"] = std::move(labels);
  if (!flags.deletion_protection.empty())
    patch["deletion_protection"] = flags.deletion_protection == "true";
  if (patch.empty()) {
    std::fprintf(stderr,
                 "error: nothing to change: give --name, --slug, --label, --remove-label or "
                 "--deletion-protection\n");
    return kExitUsage;
  }
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  client::Request request{.method = "PATCH",
                          .target = "/v1/workspaces/" + client::QueryEscape(flags.id),
                          .body = json::serialize(patch)};
  request.headers.emplace_back("Content-Type", "application/merge-patch+json");
  if (!flags.if_match.empty()) request.headers.emplace_back("If-Match", QuotedEtag(flags.if_match));
  auto r = api->Send(std::move(request));
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 200) return ReportProblem(*r);
  PrintResource(r->body, flags.output, r->Header("ETag"));
  return kExitOk;
}

}  // namespace workspaced::cli
