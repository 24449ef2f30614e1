#include "api/update_workspace_request.h"

#include <boost/json.hpp>
#include <set>

#include "api/create_workspace_request.h"
#include "domain/workspace_fields.h"
#include "api/json_body.h"

namespace workspaced::api {
namespace json = boost::json;
namespace {

using Check = std::optional<std::string> (*)(std::string_view);

class Parser {
 public:
  explicit Parser(const json::object& o) : o_(o) {}

  StatusOr<domain::WorkspacePatch> Run() {
    static const std::set<std::string_view> kFixedAtCreate = {"account_id", "region",
                                                              "tenancy_model"};
    for (const auto& [key, value] : o_) {
      if (IsServerOwnedWorkspaceField(key)) {
        Fail(key, "is set by the server and cannot be changed");
      } else if (kFixedAtCreate.count(key) != 0) {
        Fail(key, "cannot be changed once the workspace is created");
      } else if (key == "group_mappings") {
        Fail(key, "is changed with PUT /v1/workspaces/{workspace_id}/group-mappings");
      } else if (key == "name") {
        Text(key, value, domain::NameProblem, out_.name);
      } else if (key == "slug") {
        Text(key, value, domain::SlugProblem, out_.slug);
      } else if (key == "labels") {
        Labels(value);
      } else if (key == "runtime") {
        Runtime(value);
      } else if (key == "deletion_protection") {
        DeletionProtection(value);
      } else {
        Fail(key, "is not a field of a workspace");
      }
    }
    if (!errors_.empty())
      return Status(Code::kUnprocessable, "the change is not valid").WithFields(errors_);
    return out_;
  }

 private:
  void Fail(std::string_view field, std::string detail) {
    errors_.push_back({std::string(field), std::move(detail)});
  }

  // A string field that cannot be absent.
  void Text(std::string_view field, const json::value& v, Check check,
            std::optional<std::string>& out) {
    if (v.is_null()) return Fail(field, "cannot be removed");
    if (!v.is_string()) return Fail(field, "must be a string");
    if (auto problem = check(v.as_string())) return Fail(field, std::move(*problem));
    out = std::string(v.as_string());
  }

  void Labels(const json::value& v) {
    if (v.is_null()) {
      out_.clear_labels = true;
      return;
    }
    if (!v.is_object()) return Fail("labels", "must be an object of string or null values");
    const json::object& changes = v.as_object();
    if (changes.size() > kMaxLabelChanges)
      return Fail("labels", "at most " + std::to_string(kMaxLabelChanges) + " label changes");
    for (const auto& [key, value] : changes) {
      const std::string field = "labels." + std::string(key);
      if (auto problem = domain::LabelKeyProblem(key)) {
        Fail(field, std::move(*problem));
      } else if (value.is_null()) {
        out_.labels[std::string(key)] = std::nullopt;
      } else if (!value.is_string()) {
        Fail(field, "must be a string, or null to remove the label");
      } else if (auto problem = domain::LabelValueProblem(value.as_string())) {
        Fail(field, std::move(*problem));
      } else {
        out_.labels[std::string(key)] = std::string(value.as_string());
      }
    }
  }

  void DeletionProtection(const json::value& v) {
    if (!v.is_bool()) return Fail("deletion_protection", "must be true or false");
    out_.deletion_protection = v.as_bool();
  }

  void Runtime(const json::value& v) {
    if (v.is_null()) {
      out_.runtime_generation = "";
      return;
    }
    if (!v.is_object()) return Fail("runtime", "must be an object");
    for (const auto& [key, value] : v.as_object()) {
      if (key != "generation") {
        Fail("runtime." + std::string(key), "is not a field of runtime");
      } else if (value.is_null()) {
        out_.runtime_generation = "";
      } else if (!value.is_string()) {
        Fail("runtime.generation", "must be a string of 1-32 characters, or null");
      } else if (auto problem = domain::RuntimeGenerationProblem(value.as_string())) {
        Fail("runtime.generation", std::move(*problem));
      } else {
        out_.runtime_generation = std::string(value.as_string());
      }
    }
  }

  const json::object& o_;
  domain::WorkspacePatch out_;
  std::vector<FieldError> errors_;
};

}  // namespace

StatusOr<domain::WorkspacePatch> ParseWorkspacePatch(std::string_view body) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJsonBody(body));
  if (!v.is_object()) {
    return Status(Code::kUnprocessable, "the body must be a JSON object")
        .WithField("", "must be an object: a merge patch of the workspace's fields");
  }
  return Parser(v.as_object()).Run();
}

}  // namespace workspaced::api
