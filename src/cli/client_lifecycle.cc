// `workspaced ws delete|restore` (docs/lifecycle.md, "Delete, restore,
// purge"). `delete --wait` waits for the delete operation (the workspace
// becomes `deleted`), not for the purge, which runs only once the retention
// window has passed.
#include <boost/json.hpp>
#include <cstdio>

#include "cli/client_commands.h"
#include "cli/client_output.h"

namespace workspaced::cli {

namespace {

namespace json = boost::json;

// Tells when the workspace's pending purge runs, i.e. until when it can be
// restored. Best effort: says nothing when the operations cannot be read.
void SayWhenPurged(client::ApiClient& api, const std::string& ws) {
  auto r = api.Get("/v1/workspaces/" + client::QueryEscape(ws) + "/operations?limit=1000");
  if (!r.ok() || r->status != 200) return;
  boost::system::error_code ec;
  const auto page = json::parse(r->body, ec);
  if (ec || !page.is_array()) return;
  for (const auto& v : page.as_array()) {
    const auto* o = v.if_object();
    // (No time: the purge is due now, with no retention window.)
    if (o && Str(*o, "kind") == "purge" && Str(*o, "state") == "pending" &&
        !Str(*o, "scheduled_at").empty())
      std::fprintf(stderr, "restorable until %s (workspaced ws restore %s)\n",
                   Str(*o, "scheduled_at").c_str(), ws.c_str());
  }
}

}  // namespace

int ClientDelete(const ClientFlags& client, const ClientDeleteFlags& flags) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  const std::string ws = "/v1/workspaces/" + client::QueryEscape(flags.id);
  client::Request request{.method = "DELETE", .target = ws + (flags.force ? "?force=true" : "")};
  if (!flags.if_match.empty()) request.headers.emplace_back("If-Match", QuotedEtag(flags.if_match));
  auto r = api->Send(std::move(request));
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 202) return ReportProblem(*r);
  if (!flags.wait) {
    PrintResource(r->body, flags.output);
    return kExitOk;
  }
  boost::system::error_code ec;
  const auto doc = json::parse(r->body, ec);
  const auto* o = !ec ? doc.if_object() : nullptr;
  const std::string op = o ? Str(*o, "id") : "";
  if (op.empty()) return ReportStatus(Internal("the server's 202 names no operation"));
  std::fprintf(stderr, "workspace %s: delete operation %s\n", flags.id.c_str(), op.c_str());
  if (const int rc = WatchOperation(*api, op); rc != kExitOk) return rc;
  // With no retention window (lifecycle.deletion_retention_s 0) the purge
  // follows at once: the workspace is gone, which is what was asked.
  // The workspace as this one read shows it (a second read may find it
  // purged since).
  auto got = api->Send(client::Request{.method = "GET", .target = ws});
  if (!got.ok()) return ReportStatus(got.status());
  if (got->status == 404) {
    std::fprintf(stderr, "workspace %s: deleted and already purged (no retention window)\n",
                 flags.id.c_str());
    return kExitOk;
  }
  if (got->status != 200) return ReportProblem(*got);
  SayWhenPurged(*api, flags.id);
  PrintResource(got->body, flags.output, got->Header("ETag"));
  return kExitOk;
}

int ClientOperations(const ClientFlags& client, const std::string& id, const std::string& output) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  json::array items;
  std::string next;
  int exit_code = kExitOk;
  if (!ReadPages(*api, "/v1/workspaces/" + client::QueryEscape(id) + "/operations", 0, items, next,
                 exit_code))
    return exit_code;
  PrintItems(items, output,
             {{"ID", "id"}, {"KIND", "kind"}, {"STATE", "state"}, {"CREATED", "created_at"},
              {"SCHEDULED", "scheduled_at"}, {"ERROR", "error"}});
  return kExitOk;
}

int ClientRestore(const ClientFlags& client, const std::string& id, const std::string& output) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  auto r = api->Post("/v1/workspaces/" + client::QueryEscape(id) + "/restore", "");
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 200) return ReportProblem(*r);
  return PrintWorkspace(*api, id, output);
}

}  // namespace workspaced::cli
