#include "api/create_workspace_request.h"

#include "model/identity.h"

#include <boost/json.hpp>
#include <set>

#include "common/random.h"
#include "common/text.h"
#include "domain/workspace_fields.h"
#include "api/json_body.h"

namespace workspaced::api {
namespace json = boost::json;
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

class Parser {
 public:
  Parser(const json::object& o, const std::vector<std::string>& regions)
      : o_(o), regions_(regions) {}

  StatusOr<CreateWorkspaceRequest> Run() {
    static const std::set<std::string_view> kKnown = {
        "account_id", "name",           "region",
        "slug",       "labels",         "tenancy_model",
        "runtime",    "group_mappings", "deletion_protection"};
    for (const auto& [key, value] : o_) {
      if (IsServerOwnedWorkspaceField(key)) {
        Fail(key, "is set by the server and cannot be given");
      } else if (kKnown.count(key) == 0) {
        Fail(key, "is not a field of a workspace");
      }
    }
    AccountId();
    Name();
    Region();
    Slug();
    Labels();
    Tenancy();
    Runtime();
    GroupMappings();
    DeletionProtection();
    if (!errors_.empty())
      return Status(Code::kUnprocessable, "the workspace is not valid").WithFields(errors_);
    return out_;
  }

 private:
  void Fail(std::string_view field, std::string detail) {
    errors_.push_back({std::string(field), std::move(detail)});
  }

  const json::value* Get(std::string_view key) { return o_.if_contains(key); }

  // A required or optional string field; nullptr when absent or wrong type.
  const json::string* String(std::string_view key, bool required) {
    const json::value* v = Get(key);
    if (v == nullptr) {
      if (required) Fail(key, "is required");
      return nullptr;
    }
    if (!v->is_string()) {
      Fail(key, "must be a string");
      return nullptr;
    }
    return &v->as_string();
  }

  void AccountId() {
    if (const auto* s = String("account_id", true)) {
      if (!IsUuid(*s)) return Fail("account_id", "must be a UUID");
      out_.account_id = std::string(*s);
      for (char& c : out_.account_id)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }

  void Name() {
    if (const auto* s = String("name", true)) {
      if (auto problem = domain::NameProblem(*s)) return Fail("name", std::move(*problem));
      out_.name = std::string(*s);
    }
  }

  void Region() {
    if (const auto* s = String("region", true)) {
      for (const auto& r : regions_)
        if (r == *s) {
          out_.region = r;
          return;
        }
      Fail("region", "unknown region; valid regions: " + Join(regions_));
    }
  }

  void Slug() {
    if (const auto* s = String("slug", false)) {
      if (auto problem = domain::SlugProblem(*s)) return Fail("slug", std::move(*problem));
      out_.slug = std::string(*s);
    }
  }

  void Labels() {
    const json::value* v = Get("labels");
    if (v == nullptr) return;
    if (!v->is_object()) return Fail("labels", "must be an object of string values");
    const auto& labels = v->as_object();
    if (auto problem = domain::LabelCountProblem(labels.size()))
      return Fail("labels", std::move(*problem));
    for (const auto& [k, val] : labels) {
      const std::string field = "labels." + std::string(k);
      if (auto problem = domain::LabelKeyProblem(k)) {
        Fail(field, std::move(*problem));
      } else if (!val.is_string()) {
        Fail(field, "must be a string");
      } else if (auto problem = domain::LabelValueProblem(val.as_string())) {
        Fail(field, std::move(*problem));
      } else {
        out_.labels.emplace(std::string(k), std::string(val.as_string()));
      }
    }
  }

  void Tenancy() {
    if (const auto* s = String("tenancy_model", false)) {
      auto t = model::ParseTenancyModel(*s);
      if (!t) return Fail("tenancy_model", "must be dedicated or shared");
      out_.tenancy_model = *t;
    }
  }

  void Runtime() {
    const json::value* v = Get("runtime");
    if (v == nullptr) return;
    if (!v->is_object()) return Fail("runtime", "must be an object");
    for (const auto& [k, val] : v->as_object()) {
      if (k != "generation") {
        Fail("runtime." + std::string(k), "is not a field of runtime");
      } else if (!val.is_string()) {
        Fail("runtime.generation", "must be a string of 1-32 characters");
      } else if (auto problem = domain::RuntimeGenerationProblem(val.as_string())) {
        Fail("runtime.generation", std::move(*problem));
      } else {
        out_.runtime_generation = std::string(val.as_string());
      }
    }
  }

  void GroupMappings() {
    const json::value* v = Get("group_mappings");
    if (v == nullptr) return;
    ParseGroupMappingsInto(*v, "group_mappings", out_.group_mappings, errors_);
  }

  void DeletionProtection() {
    const json::value* v = Get("deletion_protection");
    if (v == nullptr) return;
    if (!v->is_bool()) return Fail("deletion_protection", "must be true or false");
    out_.deletion_protection = v->as_bool();
  }

  const json::object& o_;
  const std::vector<std::string>& regions_;
  CreateWorkspaceRequest out_;
  std::vector<FieldError> errors_;
};

}  // namespace

bool IsServerOwnedWorkspaceField(std::string_view key) {
  static const std::set<std::string_view> kServerOwned = {
      "id",         "status",        "created_at",         "updated_at", "created_by",
      "updated_by", "status_reason", "provisioning_phase", "frozen_by",  "frozen_at"};
  return kServerOwned.count(key) != 0;
}

void ParseGroupMappingsInto(const json::value& v, const std::string& field_name,
                            std::vector<model::GroupMapping>& out,
                            std::vector<FieldError>& errors) {
  const auto fail = [&](std::string field, std::string detail) {
    errors.push_back({std::move(field), std::move(detail)});
  };
  if (!v.is_array()) return fail(field_name, "must be an array");
  const auto& items = v.as_array();
  if (items.size() > kMaxGroupMappings)
    return fail(field_name, "at most " + std::to_string(kMaxGroupMappings) + " mappings");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string field = field_name + "[" + std::to_string(i) + "]";
    const json::object* m = items[i].if_object();
    if (m == nullptr) {
      fail(field, "must be an object with group_name and role");
      continue;
    }
    const json::value* name = m->if_contains("group_name");
    const json::value* role = m->if_contains("role");
    bool ok = true;
    for (const auto& [k, unused] : *m) {
      if (k != "group_name" && k != "role") {
        fail(field + "." + std::string(k), "is not a field of a group mapping");
        ok = false;
      }
    }
    // A group name a token can carry (model::IsValidSubject, the claim
    // check's rule: nothing invisible, no white space at either end), else
    // the mapping would match nobody while looking like one that does; '|'
    // separates an issuer from a group name (model/identity.h).
    if (name == nullptr || !name->is_string() || name->as_string().size() > kMaxGroupNameLength ||
        !model::IsValidSubject(name->as_string()) ||
        name->as_string().find('|') != json::string::npos) {
      fail(field + ".group_name",
           "must be a group name a token can carry: 1-255 bytes without '|', control, bidi or "
           "invisible characters, and no white space at either end");
      ok = false;
    }
    std::optional<model::WorkspaceRole> r;
    if (role != nullptr && role->is_string()) r = model::ParseWorkspaceRole(role->as_string());
    if (!r) {
      fail(field + ".role", "must be admin, member or viewer");
      ok = false;
    }
    if (!ok) continue;
    if (!seen.insert(std::string(name->as_string())).second) {
      fail(field + ".group_name", "is mapped more than once");
      continue;
    }
    out.push_back({std::string(name->as_string()), *r});
  }
}

StatusOr<CreateWorkspaceRequest> ParseCreateWorkspaceRequest(
    std::string_view body, const std::vector<std::string>& regions) {
  WS_ASSIGN_OR_RETURN(const json::value v, ParseJsonBody(body));
  if (!v.is_object()) {
    return Status(Code::kUnprocessable, "the body must be a JSON object")
        .WithField("", "must be an object");
  }
  return Parser(v.as_object(), regions).Run();
}

}  // namespace workspaced::api
