#include "api/json_views.h"

#include <boost/json/parse.hpp>

#include "api/json_writer.h"
#include "common/time_format.h"

namespace workspaced::api {
namespace {

void WriteWorkspace(JsonWriter& w, const model::Workspace& ws) {
  w.BeginObject();
  w.Field("id", ws.id);
  w.Field("account_id", ws.account_id);
  w.Field("name", ws.name);
  w.Field("slug", ws.slug);
  w.Field("status", model::ToString(ws.status));
  w.Field("region", ws.region);
  w.Field("tenancy_model", model::ToString(ws.tenancy_model));
  w.Field("created_at", FormatRfc3339(ws.created_at));
  w.Field("updated_at", FormatRfc3339(ws.updated_at));
  w.Field("created_by", ws.created_by);
  w.Field("updated_by", ws.updated_by);
  w.Key("labels");
  w.BeginObject();
  for (const auto& [k, v] : ws.labels) w.Field(k, v);
  w.EndObject();
  w.Key("group_mappings");
  w.BeginArray();
  for (const auto& m : ws.group_mappings) {
    w.BeginObject();
    w.Field("group_name", m.group_name);
    w.Field("role", model::ToString(m.role));
    w.EndObject();
  }
  w.EndArray();
  w.Key("runtime");
  w.BeginObject();
  w.Field("generation", ws.runtime_generation);
  w.EndObject();
  w.Field("provisioning_phase", model::ToString(ws.phase));
  w.Key("status_reason");
  if (ws.status_reason.empty()) {
    w.Null();
  } else {
    w.Value(ws.status_reason);
  }
  w.Key("frozen_by");
  if (ws.frozen_by.empty()) {
    w.Null();
  } else {
    w.Value(ws.frozen_by);
  }
  w.Key("frozen_at");
  if (ws.frozen_at == 0) {
    w.Null();
  } else {
    w.Value(FormatRfc3339(ws.frozen_at));
  }
  w.Key("deletion_protection");
  w.RawValue(ws.deletion_protection ? "true" : "false");
  w.EndObject();
}

void TimeOrNull(JsonWriter& w, std::string_view key, Micros t) {
  w.Key(key);
  if (t == 0) {
    w.Null();
  } else {
    w.Value(FormatRfc3339(t));
  }
}

void StringOrNull(JsonWriter& w, std::string_view key, const std::string& s) {
  w.Key(key);
  if (s.empty()) {
    w.Null();
  } else {
    w.Value(s);
  }
}

}  // namespace

namespace {

// A provisioning run as /v1/provisioning-runs shows it; an operation
// (`operation`) adds its kind and, for a scheduled purge, when it runs.
std::string RunJson(const model::ProvisioningRun& run, bool operation) {
  std::string out;
  out.reserve(1024);
  JsonWriter w(out);
  const bool finished = run.state == model::RunState::kSucceeded ||
                        run.state == model::RunState::kFailed ||
                        run.state == model::RunState::kCancelled;
  w.BeginObject();
  w.Field("id", run.id);
  if (operation) {
    // The same id under the name a delete's 202 is known by (PRODUCT.md).
    w.Field("operation_id", run.id);
    w.Field("kind", model::ToString(run.kind));
  }
  w.Field("workspace_id", run.workspace_id);
  w.Field("state", model::ToString(run.state));
  w.Key("current_step");
  if (finished || run.current_step < 0 || run.current_step >= static_cast<int>(run.steps.size())) {
    w.Null();
  } else {
    w.Value(run.steps[run.current_step].name);
  }
  StringOrNull(w, "retry_of", run.retry_of);
  StringOrNull(w, "error", run.error);
  StringOrNull(w, "error_code", run.error_code);
  w.Field("created_by", run.created_by);
  w.Field("created_at", FormatRfc3339(run.created_at));
  w.Field("updated_at", FormatRfc3339(run.updated_at));
  TimeOrNull(w, "finished_at", run.finished_at);
  // Only while a retry is scheduled (unleased, after a failed attempt).
  const bool waiting = !finished && run.lease_owner.empty() &&
                       run.next_attempt_at > run.created_at &&
                       run.state != model::RunState::kPending;
  TimeOrNull(w, "next_attempt_at", waiting ? run.next_attempt_at : 0);
  if (operation) {
    // A pending operation not yet claimable: a purge waiting for the end of
    // its retention window (a restore before then cancels it).
    const bool scheduled = run.state == model::RunState::kPending &&
                           run.next_attempt_at > run.created_at;
    TimeOrNull(w, "scheduled_at", scheduled ? run.next_attempt_at : 0);
  }
  w.Key("steps");
  w.BeginArray();
  for (const auto& s : run.steps) {
    w.BeginObject();
    w.Field("name", s.name);
    w.Field("state", model::ToString(s.state));
    w.Field("attempts", static_cast<std::int64_t>(s.attempts));
    StringOrNull(w, "last_error", s.last_error);
    StringOrNull(w, "last_error_code", s.last_error_code);
    TimeOrNull(w, "started_at", s.started_at);
    TimeOrNull(w, "finished_at", s.finished_at);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

}  // namespace

std::string ProvisioningRunJson(const model::ProvisioningRun& run) { return RunJson(run, false); }
std::string OperationJson(const model::ProvisioningRun& run) { return RunJson(run, true); }

std::string ProvisioningAcceptedJson(const model::Workspace& ws, const std::string& run_id) {
  std::string out;
  out.reserve(768);
  JsonWriter w(out);
  w.BeginObject();
  w.Field("workspace_id", ws.id);
  w.Field("provisioning_run_id", run_id);
  w.Field("status", model::ToString(ws.status));
  w.Key("workspace");
  WriteWorkspace(w, ws);
  w.EndObject();
  return out;
}

std::string WorkspaceJson(const model::Workspace& ws) {
  std::string out;
  out.reserve(512);
  JsonWriter w(out);
  WriteWorkspace(w, ws);
  return out;
}

namespace {

void WriteEnvironment(JsonWriter& w, const model::Environment& e) {
  w.BeginObject();
  w.Field("id", e.id);
  w.Field("workspace_id", e.workspace_id);
  w.Field("name", e.name);
  w.Field("created_at", FormatRfc3339(e.created_at));
  w.EndObject();
}

}  // namespace

std::string EnvironmentJson(const model::Environment& env) {
  std::string out;
  JsonWriter w(out);
  WriteEnvironment(w, env);
  return out;
}

std::string EnvironmentsJson(const std::vector<model::Environment>& list) {
  std::string out;
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& e : list) WriteEnvironment(w, e);
  w.EndArray();
  return out;
}

std::string AccountJson(const model::Account& account) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Field("id", account.id);
  w.Field("name", account.name);
  w.Field("created_at", FormatRfc3339(account.created_at));
  w.Key("trusted_issuers");
  w.BeginArray();
  for (const auto& t : account.trusted_issuers) {
    w.BeginObject();
    w.Field("issuer", t.issuer);
    w.Field("org", t.org);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

StatusOr<std::string_view> AuditDetailsJson(const model::AuditEvent& event) {
  if (event.details.empty()) return std::string_view("{}");
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(event.details, ec);
  if (ec || !v.is_object()) {
    return Internal("audit event " + std::to_string(event.seq) + " of chain '" +
                    event.workspace_id + "' is damaged: its details are not a JSON object");
  }
  return std::string_view(event.details);
}

std::string WorkspaceEtag(const model::Workspace& ws) { return WorkspaceEtag(ws.version); }

std::string WorkspaceEtag(std::int64_t version) { return "\"v" + std::to_string(version) + "\""; }

std::string MemberEtag(std::string_view role, Micros created_at) {
  return "\"" + std::string(role) + "." + std::to_string(created_at) + "\"";
}

bool EtagMatches(std::string_view header, std::string_view etag, bool strong) {
  if (header.empty()) return false;
  std::size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (header[pos] == ' ' || header[pos] == ',')) ++pos;
    std::size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view tag = header.substr(pos, end - pos);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") {
      if (strong) {
        pos = end;
        continue;
      }
      tag.remove_prefix(2);
    }
    if (tag == etag) return true;
    pos = end;
  }
  return false;
}

}  // namespace workspaced::api
