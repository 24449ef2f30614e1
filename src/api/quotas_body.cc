#include "api/quotas_body.h"

#include <boost/json.hpp>
#include <limits>
#include <optional>

#include "api/json_writer.h"
#include "common/time_format.h"
#include "api/json_body.h"

namespace workspaced::api {
namespace json = boost::json;
namespace {

// Null or absent: unlimited (nullopt); an integer: the limit.
void ParseLimit(const json::object& o, std::string_view field, std::optional<std::int64_t>& out,
                std::vector<FieldError>& errors) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return;
  if (v->is_int64()) {
    out = v->as_int64();
  } else if (v->is_uint64()) {
    out = std::numeric_limits<std::int64_t>::max();  // out of bounds all the same
  } else {
    errors.push_back({std::string(field), "must be an integer or null"});
  }
}

void ParseRegions(const json::object& o, std::optional<std::vector<std::string>>& out,
                  std::vector<FieldError>& errors) {
  const json::value* v = o.if_contains("regions");
  if (v == nullptr || v->is_null()) return;
  const json::array* a = v->if_array();
  if (a == nullptr) return errors.push_back({"regions", "must be an array of regions or null"});
  out.emplace();
  bool typed = true;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const json::string* s = (*a)[i].if_string();
    if (s == nullptr) {
      errors.push_back({"regions[" + std::to_string(i) + "]", "must be a string"});
      typed = false;
      continue;
    }
    out->emplace_back(*s);
  }
  // Checked against the configuration only once every entry is a string (the
  // indexes of the errors then match the body's).
  if (!typed) out.reset();
}

void Limit(JsonWriter& w, std::string_view key, const std::optional<std::int64_t>& allowed,
           std::int64_t current) {
  w.Key(key);
  w.BeginObject();
  w.Key("allowed");
  if (allowed) {
    w.Value(*allowed);
  } else {
    w.Null();
  }
  w.Field("current", current);
  w.EndObject();
}

void Strings(JsonWriter& w, const std::vector<std::string>& items) {
  w.BeginArray();
  for (const auto& i : items) w.Value(i);
  w.EndArray();
}

}  // namespace

StatusOr<model::AccountQuotas> ParseQuotasBody(std::string_view body,
                                               const std::vector<std::string>& regions) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJsonBody(body, /*max_depth=*/4));
  const json::object* o = v.if_object();
  if (o == nullptr) {
    return Status(Code::kUnprocessable, "the request body is not valid")
        .WithField("", "the body must be a JSON object");
  }
  std::vector<FieldError> errors;
  for (const auto& [key, unused] : *o) {
    if (key != "workspaces" && key != "members_per_workspace" && key != "regions" &&
        key != "secrets_per_workspace" && key != "vault_records_per_workspace")
      errors.push_back({std::string(key), "is not a quota"});
  }
  model::AccountQuotas q;
  ParseLimit(*o, "workspaces", q.workspaces, errors);
  ParseLimit(*o, "members_per_workspace", q.members_per_workspace, errors);
  ParseRegions(*o, q.regions, errors);
  ParseLimit(*o, "secrets_per_workspace", q.secrets_per_workspace, errors);
  ParseLimit(*o, "vault_records_per_workspace", q.vault_records_per_workspace, errors);
  const Status bounds = domain::ValidateQuotas(q, regions);
  errors.insert(errors.end(), bounds.field_errors().begin(), bounds.field_errors().end());
  if (!errors.empty())
    return Status(Code::kUnprocessable, "the request body is not valid").WithFields(errors);
  return q;
}

std::string QuotaUsageJson(const domain::QuotaUsage& u) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Field("account_id", u.limits.account_id);
  Limit(w, "workspaces", u.limits.workspaces, u.workspaces);
  Limit(w, "members_per_workspace", u.limits.members_per_workspace, u.largest_membership);
  Limit(w, "secrets_per_workspace", u.limits.secrets_per_workspace, u.largest_secrets);
  Limit(w, "vault_records_per_workspace", u.limits.vault_records_per_workspace,
        u.largest_vault_records);
  w.Key("regions");
  w.BeginObject();
  w.Key("allowed");
  if (u.limits.regions) {
    Strings(w, *u.limits.regions);
  } else {
    w.Null();
  }
  w.Key("current");
  Strings(w, u.regions);
  w.EndObject();
  w.Key("updated_at");
  if (u.limits.updated_at != 0) {
    w.Value(FormatRfc3339(u.limits.updated_at));
  } else {
    w.Null();
  }
  w.Key("updated_by");
  if (!u.limits.updated_by.empty()) {
    w.Value(u.limits.updated_by);
  } else {
    w.Null();
  }
  w.EndObject();
  return out;
}

}  // namespace workspaced::api
