// `workspaced ws list|get|create|freeze|unfreeze|accounts` and `op retry`.
#include <boost/json.hpp>
#include <cstdio>

#include "cli/client_commands.h"
#include "cli/client_output.h"

namespace workspaced::cli {

namespace {

namespace json = boost::json;

// POST answered 202 {workspace_id, provisioning_run_id, …}: print it, or
// watch the run and print the workspace it built.
int Accepted(client::ApiClient& api, const client::Response& r, bool wait,
             const std::string& output) {
  if (!wait) {
    PrintResource(r.body, output);
    return kExitOk;
  }
  boost::system::error_code ec;
  const auto doc = json::parse(r.body, ec);
  const auto* o = !ec ? doc.if_object() : nullptr;
  const std::string run = o ? Str(*o, "provisioning_run_id") : "";
  const std::string ws = o ? Str(*o, "workspace_id") : "";
  if (run.empty()) return ReportStatus(Internal("the server's 202 names no provisioning run"));
  std::fprintf(stderr, "workspace %s: provisioning run %s\n", ws.c_str(), run.c_str());
  if (const int rc = WatchOperation(api, run); rc != kExitOk) return rc;
  return PrintWorkspace(api, ws, output);
}

}  // namespace

int PrintWorkspace(client::ApiClient& api, const std::string& id, const std::string& output) {
  auto r = api.Get("/v1/workspaces/" + client::QueryEscape(id));
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 200) return ReportProblem(*r);
  PrintResource(r->body, output, r->Header("ETag"));
  return kExitOk;
}

int ClientList(const ClientFlags& client, const ClientListFlags& flags) {
  // A filter's form is checked here, as ws create's and ws update's labels
  // are: a usage error (exit 2), not the server's 400 (exit 3).
  json::object unused;
  if (!SplitLabels(flags.labels, unused)) return kExitUsage;
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  Query query;
  query.Add("status", flags.status);
  query.Add("region", flags.region);
  query.Add("name_prefix", flags.name_prefix);
  for (const auto& l : flags.labels) query.Add("label", l);
  if (flags.limit > 0) query.Add("limit", std::to_string(flags.limit));
  json::array items;
  std::string next;
  int exit_code = kExitOk;
  if (!ReadPages(*api, "/v1/workspaces" + query.str(), 0, items, next, exit_code))
    return exit_code;
  PrintItems(items, flags.output,
             {{"ID", "id"}, {"NAME", "name"}, {"STATUS", "status"}, {"REGION", "region"},
              {"LABELS", "labels"}});
  return kExitOk;
}

int ClientAccounts(const ClientFlags& client, const std::string& output) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  json::array items;
  std::string next;
  int exit_code = kExitOk;
  if (!ReadPages(*api, "/v1/accounts", 0, items, next, exit_code)) return exit_code;
  PrintItems(items, output, {{"ID", "id"}, {"NAME", "name"}, {"CREATED", "created_at"}});
  return kExitOk;
}

int ClientGet(const ClientFlags& client, const std::string& id, const std::string& output) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  return PrintWorkspace(*api, id, output);
}

int ClientCreate(const ClientFlags& client, const ClientCreateFlags& flags) {
  json::object body{{"account_id", flags.account}, {"name", flags.name}, {"region", flags.region}};
  if (!flags.slug.empty()) body["slug"] = flags.slug;
  if (!flags.labels.empty()) {
    json::object labels;
    if (!SplitLabels(flags.labels, labels)) return kExitUsage;
    body["labels"] = std::move(labels);
  }
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  auto r = api->Post("/v1/workspaces", json::serialize(body), NewIdempotencyKey());
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 202) return ReportProblem(*r);
  return Accepted(*api, *r, flags.wait, flags.output);
}

int ClientWatch(const ClientFlags& client, const std::string& operation_id) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  // Progress on stderr; the operation as it ended on stdout.
  std::string finished;
  const int rc = WatchOperation(*api, operation_id, &finished);
  if (!finished.empty()) std::printf("%s\n", finished.c_str());
  return rc;
}

int ClientRetry(const ClientFlags& client, const std::string& run_id, bool wait,
                const std::string& output) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  auto r = api->Post("/v1/provisioning-runs/" + client::QueryEscape(run_id) + "/retry", "",
                     NewIdempotencyKey());
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 202) return ReportProblem(*r);
  return Accepted(*api, *r, wait, output);
}

int ClientSetStatus(const ClientFlags& client, const std::string& id, bool freeze,
                    const std::string& reason, const std::string& output) {
  json::object body{{"status", freeze ? "frozen" : "active"}};
  if (!reason.empty()) body["reason"] = reason;
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  auto r =
      api->Patch("/v1/workspaces/" + client::QueryEscape(id) + "/status", json::serialize(body));
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 200) return ReportProblem(*r);
  PrintResource(r->body, output, r->Header("ETag"));
  return kExitOk;
}

}  // namespace workspaced::cli
