#include "api/v0/workspace_body.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "api/create_workspace_request.h"
#include "api/json_body.h"
#include "domain/workspace_fields.h"

namespace workspaced::api::v0 {
namespace {

namespace json = boost::json;

// Blaxel's read-only fields: a client sending a workspace back sends them.
constexpr std::array<std::string_view, 8> kReadOnly = {"id",        "status",        "statusReason",
                                                       "createdAt", "updatedAt",     "createdBy",
                                                       "updatedBy", "resourceCounts"};

// A client's key as a field name: short and plain, else not repeated.
std::string FieldName(std::string_view key) {
  const bool plain =
      !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      });
  return plain ? std::string(key) : std::string("(a field)");
}

std::optional<std::string> StringField(const json::value& v, const char* field,
                                       std::vector<FieldError>& errors) {
  if (!v.is_string()) {
    errors.push_back({field, "must be a string"});
    return std::nullopt;
  }
  return std::string(v.as_string());
}

}  // namespace

StatusOr<WorkspaceBody> ParseWorkspaceBody(std::string_view body,
                                           const std::vector<std::string>& regions) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJsonBody(body));
  const json::object* o = v.if_object();
  if (o == nullptr) return InvalidArgument("the body must be a JSON object (a Workspace)");
  WorkspaceBody out;
  std::vector<FieldError> errors;
  const auto check = [&](const char* field, const std::optional<std::string>& problem) {
    if (problem) errors.push_back({field, *problem});
  };
  for (const auto& [key, value] : *o) {
    if (value.is_null()) continue;  // as absent
    if (std::find(kReadOnly.begin(), kReadOnly.end(), key) != kReadOnly.end()) continue;
    if (key == "name") {
      out.name = StringField(value, "name", errors);
      if (out.name) check("name", domain::SlugProblem(*out.name));
    } else if (key == "displayName") {
      out.display_name = StringField(value, "displayName", errors);
      if (out.display_name) check("displayName", domain::NameProblem(*out.display_name));
    } else if (key == "accountId") {
      out.account_id = StringField(value, "accountId", errors);
    } else if (key == "region") {
      out.region = StringField(value, "region", errors);
      if (out.region && std::find(regions.begin(), regions.end(), *out.region) == regions.end()) {
        std::string known;
        for (const std::string& r : regions) known += (known.empty() ? "" : ", ") + r;
        errors.push_back({"region", "must be one of the configured regions: " + known});
      }
    } else if (key == "labels") {
      const json::object* labels = value.if_object();
      if (labels == nullptr) {
        errors.push_back({"labels", "must be an object of strings"});
        continue;
      }
      check("labels", domain::LabelCountProblem(labels->size()));
      if (labels->size() > domain::kMaxLabels) continue;
      std::map<std::string, std::string> parsed;
      for (const auto& [k, lv] : *labels) {
        const std::string field = "labels." + FieldName(k);
        // One problem per label: its key's, else its value's.
        if (auto p = domain::LabelKeyProblem(k)) {
          errors.push_back({field, *p});
        } else if (!lv.is_string()) {
          errors.push_back({field, "must be a string"});
        } else if (auto p = domain::LabelValueProblem(lv.as_string())) {
          errors.push_back({field, *p});
        } else {
          parsed[std::string(k)] = std::string(lv.as_string());
        }
      }
      out.labels = std::move(parsed);
    } else if (key == "groupMappings") {
      // The camelCase items as /v1's snake_case ones, so the one parser of
      // group mappings decides what is valid.
      const json::array* items = value.if_array();
      if (items == nullptr) {
        errors.push_back({"groupMappings", "must be an array"});
        continue;
      }
      json::array snake;
      bool ok = true;
      for (const json::value& item : *items) {
        const json::object* m = item.if_object();
        if (m == nullptr) {
          snake.push_back(item);
          continue;
        }
        json::object s;
        for (const auto& [k, mv] : *m) {
          if (k == "groupName") {
            s["group_name"] = mv;
          } else if (k == "role") {
            s["role"] = mv;
          } else {
            errors.push_back(
                {"groupMappings." + FieldName(k), "is not a field of a group mapping"});
            ok = false;
          }
        }
        snake.push_back(std::move(s));
      }
      std::vector<model::GroupMapping> parsed;
      const std::size_t before = errors.size();
      if (ok) ParseGroupMappingsInto(snake, "groupMappings", parsed, errors);
      // Its problems named in Blaxel's words, as they were sent.
      for (std::size_t i = before; i < errors.size(); ++i)
        for (std::string* text : {&errors[i].field, &errors[i].detail})
          for (std::size_t at; (at = text->find("group_name")) != std::string::npos;)
            text->replace(at, 10, "groupName");
      out.group_mappings = std::move(parsed);
    } else if (key == "runtime") {
      const json::object* runtime = value.if_object();
      if (runtime == nullptr) {
        errors.push_back({"runtime", "must be an object"});
        continue;
      }
      for (const auto& [k, rv] : *runtime) {
        if (k != "generation" && rv.is_null()) continue;  // as if absent, as at the top
        if (k != "generation") {
          errors.push_back({"runtime." + FieldName(k), "is not supported by this server"});
        } else if (rv.is_null()) {
          out.runtime_generation = "";  // none: a PUT clears it, a create has none
        } else {
          out.runtime_generation = StringField(rv, "runtime.generation", errors);
          if (out.runtime_generation)
            check("runtime.generation", domain::RuntimeGenerationProblem(*out.runtime_generation));
        }
      }
    } else {
      errors.push_back({FieldName(key), "is not supported by this server"});
    }
  }
  if (!errors.empty())
    return InvalidArgument("the workspace is not valid").WithFields(std::move(errors));
  return out;
}

}  // namespace workspaced::api::v0
