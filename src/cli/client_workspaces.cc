// `workspaced client list|get|create|retry|freeze|unfreeze|accounts`.
#include <boost/json.hpp>
#include <cstdio>

#include "cli/client_commands.h"

namespace workspaced::cli {

namespace {

namespace json = boost::json;

std::string Str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Every page of a list, following `Link: <…>; rel="next"` verbatim.
bool AllPages(client::ApiClient& api, std::string target, json::array& items, int& exit_code) {
  while (!target.empty()) {
    auto r = api.Get(target);
    if (!r.ok()) {
      exit_code = ReportStatus(r.status());
      return false;
    }
    if (r->status != 200) {
      exit_code = ReportProblem(*r);
      return false;
    }
    boost::system::error_code ec;
    auto page = json::parse(r->body, ec);
    if (ec || !page.is_array()) {
      exit_code = ReportStatus(Internal("the server sent a page that is not a JSON array"));
      return false;
    }
    for (auto& v : page.as_array()) items.push_back(std::move(v));
    target = client::NextLink(r->Header("Link"));
  }
  return true;
}

// Prints rows as aligned columns.
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

bool SplitLabels(const std::vector<std::string>& labels, json::object& out) {
  for (const auto& l : labels) {
    const auto colon = l.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::fprintf(stderr, "error: --label must be key:value (got \"%s\")\n", l.c_str());
      return false;
    }
    out[l.substr(0, colon)] = l.substr(colon + 1);
  }
  return true;
}

// POST answered 202 {workspace_id, provisioning_run_id, …}: print it, or
// watch the run and print the workspace it built.
int Accepted(client::ApiClient& api, const client::Response& r, bool wait) {
  if (!wait) {
    std::printf("%s\n", r.body.c_str());
    return kExitOk;
  }
  boost::system::error_code ec;
  const auto doc = json::parse(r.body, ec);
  const auto* o = !ec ? doc.if_object() : nullptr;
  const std::string run = o ? Str(*o, "provisioning_run_id") : "";
  const std::string ws = o ? Str(*o, "workspace_id") : "";
  if (run.empty()) return ReportStatus(Internal("the server's 202 names no provisioning run"));
  std::fprintf(stderr, "workspace %s: provisioning run %s\n", ws.c_str(), run.c_str());
  if (const int rc = WatchRun(api, run); rc != kExitOk) return rc;
  std::string body;
  int exit_code = kExitOk;
  if (!GetJson(api, "/v1/workspaces/" + client::QueryEscape(ws), body, exit_code)) return exit_code;
  std::printf("%s\n", body.c_str());
  return kExitOk;
}

}  // namespace

int ClientList(const ClientFlags& client, const ClientListFlags& flags) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  std::string query;
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    query += (query.empty() ? "?" : "&") + std::string(name) + "=" + client::QueryEscape(value);
  };
  add("status", flags.status);
  add("region", flags.region);
  add("name_prefix", flags.name_prefix);
  for (const auto& l : flags.labels) add("label", l);
  if (flags.limit > 0) add("limit", std::to_string(flags.limit));
  json::array items;
  int exit_code = kExitOk;
  if (!AllPages(*api, "/v1/workspaces" + query, items, exit_code)) return exit_code;
  if (flags.output == "json") {
    std::printf("%s\n", json::serialize(items).c_str());
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "NAME", "STATUS", "REGION", "LABELS"}};
  for (const auto& v : items) {
    const auto* o = v.if_object();
    if (o == nullptr) continue;
    std::string labels;
    if (const auto* l = o->if_contains("labels"); l && l->is_object())
      for (const auto& [k, val] : l->as_object())
        labels += (labels.empty() ? "" : ",") + std::string(k) + ":" +
                  (val.is_string() ? std::string(val.as_string()) : "");
    rows.push_back({Str(*o, "id"), Str(*o, "name"), Str(*o, "status"), Str(*o, "region"), labels});
  }
  PrintTable(rows);
  return kExitOk;
}

int ClientAccounts(const ClientFlags& client, const std::string& output) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  json::array items;
  int exit_code = kExitOk;
  if (!AllPages(*api, "/v1/accounts", items, exit_code)) return exit_code;
  if (output == "json") {
    std::printf("%s\n", json::serialize(items).c_str());
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "NAME", "CREATED"}};
  for (const auto& v : items)
    if (const auto* o = v.if_object())
      rows.push_back({Str(*o, "id"), Str(*o, "name"), Str(*o, "created_at")});
  PrintTable(rows);
  return kExitOk;
}

int ClientGet(const ClientFlags& client, const std::string& id) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  std::string body;
  int exit_code = kExitOk;
  if (!GetJson(*api, "/v1/workspaces/" + client::QueryEscape(id), body, exit_code))
    return exit_code;
  std::printf("%s\n", body.c_str());
  return kExitOk;
}

int ClientCreate(const ClientFlags& client, const ClientCreateFlags& flags) {
  json::object body{{"account_id", flags.account}, {"name", flags.name}, {"region", flags.region}};
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
  return Accepted(*api, *r, flags.wait);
}

int ClientWatch(const ClientFlags& client, const std::string& run_id) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  return WatchRun(*api, run_id);
}

int ClientRetry(const ClientFlags& client, const std::string& run_id, bool wait) {
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  auto r = api->Post("/v1/provisioning-runs/" + client::QueryEscape(run_id) + "/retry", "",
                     NewIdempotencyKey());
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 202) return ReportProblem(*r);
  return Accepted(*api, *r, wait);
}

int ClientSetStatus(const ClientFlags& client, const std::string& id, bool freeze,
                    const std::string& reason) {
  json::object body{{"status", freeze ? "frozen" : "active"}};
  if (!reason.empty()) body["reason"] = reason;
  auto api = NewApiClient(client);
  if (!api) return kExitUsage;
  auto r =
      api->Patch("/v1/workspaces/" + client::QueryEscape(id) + "/status", json::serialize(body));
  if (!r.ok()) return ReportStatus(r.status());
  if (r->status != 200) return ReportProblem(*r);
  std::printf("%s\n", r->body.c_str());
  return kExitOk;
}

}  // namespace workspaced::cli
