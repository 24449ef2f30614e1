#include "common/text.h"
#include "api/handlers/management_body.h"

#include <boost/json.hpp>

#include "api/create_workspace_request.h"
#include "api/json_writer.h"
#include "common/time_format.h"
#include "domain/workspace_fields.h"
#include "model/identity.h"
#include "api/json_body.h"

namespace workspaced::api {
namespace json = boost::json;
namespace {

StatusOr<json::value> ParseJson(std::string_view body) { return ParseJsonBody(body); }

Status Invalid(std::vector<FieldError> errors) {
  return Status(Code::kUnprocessable, "the request body is not valid")
      .WithFields(std::move(errors));
}

// Unknown keys of `o` become field errors, named under `at` ("[0]" for
// the first element of a top-level array: "[0].key").
void RefuseUnknown(const json::object& o, const std::vector<std::string_view>& known,
                   std::vector<FieldError>& errors, const std::string& at = "") {
  for (const auto& [k, unused] : o) {
    bool ok = false;
    for (std::string_view n : known) ok = ok || k == n;
    if (!ok)
      errors.push_back({at.empty() ? std::string(k) : at + "." + std::string(k),
                        "is not a field of this request"});
  }
}

}  // namespace

std::string MemberJson(std::string_view subject, std::string_view role, Micros created_at) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Field("subject", subject);
  w.Field("role", role);
  w.Field("created_at", FormatRfc3339(created_at));
  w.EndObject();
  return out;
}

// [{"issuer": …, "org"?: …}] into `out`; each problem a FieldError under
// `field`. Lengths and duplicates are domain::ValidateTrustedIssuers'.
static bool ParseIssuersInto(const json::value& v, const std::string& field,
                      std::vector<model::TrustedIssuer>& out, std::vector<FieldError>& errors) {
  const std::size_t before = errors.size();
  const json::array* a = v.if_array();
  if (a == nullptr) {
    errors.push_back({field, "must be an array of {issuer, org}"});
    return false;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string at = field + "[" + std::to_string(i) + "]";
    const json::object* o = (*a)[i].if_object();
    if (o == nullptr) {
      errors.push_back({at, "must be an object with issuer and org"});
      continue;
    }
    RefuseUnknown(*o, {"issuer", "org"}, errors, at);
    const json::value* iss = o->if_contains("issuer");
    const json::value* org = o->if_contains("org");
    if (iss == nullptr) errors.push_back({at + ".issuer", "is required"});
    if (iss != nullptr && !iss->is_string()) errors.push_back({at + ".issuer", "must be a string"});
    if (org != nullptr && !org->is_string()) errors.push_back({at + ".org", "must be a string"});
    if (iss != nullptr && iss->is_string())
      out.push_back({std::string(iss->as_string()),
                     org != nullptr && org->is_string() ? std::string(org->as_string()) : ""});
  }
  return errors.size() == before;
}

StatusOr<StatusPatchBody> ParseStatusPatchBody(std::string_view body) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJsonBody(body));
  std::vector<FieldError> errors;
  StatusPatchBody out{model::WorkspaceStatus::kActive, ""};
  const json::object* o = v.if_object();
  if (o == nullptr) {
    errors.push_back({"", "the body must be a JSON object"});
  } else {
    for (const auto& [k, unused] : *o)
      if (k != "status" && k != "reason")
        errors.push_back({std::string(k), "is not a field of this request"});
    const json::value* status = o->if_contains("status");
    if (status != nullptr && status->is_string() && status->as_string() == "frozen") {
      out.status = model::WorkspaceStatus::kFrozen;
    } else if (status == nullptr) {
      errors.push_back({"status", "is required (frozen or active)"});
    } else if (!status->is_string() || status->as_string() != "active") {
      errors.push_back({"status", "must be frozen or active"});
    }
    // null: no reason, as when absent.
    if (const json::value* reason = o->if_contains("reason"); reason && !reason->is_null()) {
      const auto problem = reason->is_string()
                               ? domain::StatusReasonProblem(reason->as_string())
                               : std::optional<std::string>("must be a string of at most 1000 characters");
      if (problem) {
        errors.push_back({"reason", *problem});
      } else {
        out.reason = std::string(reason->as_string());
      }
    }
  }
  if (!errors.empty())
    return Status(Code::kUnprocessable, "the request body is not valid").WithFields(errors);
  return out;
}

Status ValidateSubject(std::string_view subject) {
  // Only bounded here: a membership made before today's rule (a look-alike
  // such as " bob") can still be read and removed; Members::Put refuses a
  // new one (model::IsUserId).
  if (!subject.empty() && subject.size() <= model::kMaxUserIdBytes) return Status::Ok();
  return InvalidArgument("a subject is 1-1024 bytes");
}

StatusOr<CreateAccountBody> ParseCreateAccountBody(std::string_view body) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJson(body));
  if (!v.is_object()) return Invalid({{"", "the body must be a JSON object"}});
  const json::object& o = v.as_object();
  std::vector<FieldError> errors;
  RefuseUnknown(o, {"name", "admin", "trusted_issuers"}, errors);
  CreateAccountBody out;
  // The rules are domain::ValidateNewAccount's, checked here too so that
  // every problem of the body is in one answer.
  const json::value* name = o.if_contains("name");
  if (name == nullptr || !name->is_string()) {
    errors.push_back({"name", "is required: a string of 1-200 characters"});
  } else if (auto problem = domain::NameProblem(name->as_string())) {
    errors.push_back({"name", std::move(*problem)});
  } else {
    out.name = std::string(name->as_string());
  }
  const json::value* admin = o.if_contains("admin");
  if (admin == nullptr || !admin->is_string()) {
    errors.push_back({"admin", "is required: the first admin's user id (docs/identity.md)"});
  } else if (!model::IsUserId(admin->as_string())) {
    errors.push_back({"admin", "must be a user id a token could carry (docs/identity.md)"});
  } else {
    out.admin = std::string(admin->as_string());
  }
  if (const json::value* issuers = o.if_contains("trusted_issuers")) {
    std::vector<model::TrustedIssuer> list;
    if (ParseIssuersInto(*issuers, "trusted_issuers", list, errors)) out.trusted_issuers = list;
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  return out;
}

StatusOr<std::vector<model::TrustedIssuer>> ParseTrustedIssuersBody(std::string_view body) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJson(body));
  std::vector<model::TrustedIssuer> out;
  std::vector<FieldError> errors;
  ParseIssuersInto(v, "", out, errors);
  if (!errors.empty()) return Invalid(std::move(errors));
  return out;
}

StatusOr<std::string> ParseRoleBody(std::string_view body, const std::vector<std::string>& roles) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJson(body));
  if (!v.is_object()) return Invalid({{"", "the body must be a JSON object"}});
  const json::object& o = v.as_object();
  std::vector<FieldError> errors;
  RefuseUnknown(o, {"role"}, errors);
  std::string allowed;
  for (const auto& r : roles) allowed += (allowed.empty() ? "" : ", ") + r;
  const json::value* role = o.if_contains("role");
  std::string out;
  if (role != nullptr && role->is_string()) {
    for (const auto& r : roles)
      if (role->as_string() == r) out = r;
  }
  if (out.empty()) errors.push_back({"role", "must be one of: " + allowed});
  if (!errors.empty()) return Invalid(std::move(errors));
  return out;
}

StatusOr<std::vector<model::GroupMapping>> ParseGroupMappingsBody(std::string_view body) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJson(body));
  std::vector<model::GroupMapping> out;
  std::vector<FieldError> errors;
  ParseGroupMappingsInto(v, "", out, errors);
  if (!errors.empty()) return Invalid(std::move(errors));
  return out;
}

}  // namespace workspaced::api
