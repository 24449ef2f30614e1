#include "api/vault_body.h"

#include <boost/json.hpp>

#include "api/json_body.h"
#include "domain/vault_fields.h"

namespace workspaced::api {
namespace json = boost::json;
namespace {

// One field's object into `f`; its problems into `errors` (named
// fields.<name>.<member>).
void ParseField(const std::string& name, const json::value& v, domain::VaultFieldInput& f,
                std::vector<FieldError>& errors) {
  const std::string at = "fields." + name;
  if (v.is_string()) {  // the short form: a text field
    f.type = "text";
    f.value = std::string(v.as_string());
    return;
  }
  if (!v.is_object()) {
    errors.push_back({at, "must be a string (a text value) or an object {type, value, "
                          "deterministic?, mask?}"});
    return;
  }
  bool has_type = false, has_value = false;
  for (const auto& [k, m] : v.as_object()) {
    if (k == "deterministic") {
      if (!m.is_bool()) {
        errors.push_back({at + ".deterministic", "must be true or false"});
      } else {
        f.deterministic = m.as_bool();
      }
      continue;
    }
    std::string* into = k == "type" ? &f.type : k == "value" ? &f.value : k == "mask" ? &f.mask
                                                                                      : nullptr;
    if (into == nullptr) {
      errors.push_back({at + "." + std::string(k), "is not a member of a field"});
      continue;
    }
    // Present, whatever its type: one error for it ("must be a string"),
    // not a second saying it is required.
    has_type = has_type || k == "type";
    has_value = has_value || k == "value";
    if (!m.is_string()) {
      errors.push_back({at + "." + std::string(k), "must be a string"});
      continue;
    }
    *into = std::string(m.as_string());
  }
  if (!has_type) errors.push_back({at + ".type", "is required"});
  if (!has_value) errors.push_back({at + ".value", "is required"});
}

}  // namespace

StatusOr<domain::VaultWrite> ParseVaultRecordBody(std::string_view body) {
  WS_ASSIGN_OR_RETURN(const json::object o, ParseJsonObjectBody(body, /*max_depth=*/4));
  domain::VaultWrite w;
  std::vector<FieldError> errors;
  bool has_fields = false;
  for (const auto& [k, v] : o) {
    if (k != "fields") {
      errors.push_back({std::string(k), "is not a field of this request"});
      continue;
    }
    has_fields = true;
    if (!v.is_object()) {
      errors.push_back({"fields", "must be an object of fields by name"});
      continue;
    }
    if (v.as_object().empty() || v.as_object().size() > domain::kMaxVaultFieldsPerRecord) {
      errors.push_back({"fields", "a record has 1 to 32 fields"});
      continue;
    }
    for (const auto& [name, f] : v.as_object()) {
      domain::VaultFieldInput in;
      in.name = std::string(name);
      // A bad name is the domain's one `fields` error; its members would
      // be named after it, and a bad name is never echoed.
      if (domain::IsVaultFieldName(in.name)) ParseField(in.name, f, in, errors);
      w.fields.push_back(std::move(in));
    }
  }
  if (!has_fields && errors.empty()) errors.push_back({"fields", "is required"});
  w.parse_errors = std::move(errors);
  return w;
}

StatusOr<std::vector<std::string>> ParseDetokenizeBody(std::string_view body) {
  WS_ASSIGN_OR_RETURN(const json::object o, ParseJsonObjectBody(body, /*max_depth=*/4));
  std::vector<FieldError> errors;
  std::vector<std::string> tokens;
  bool has_tokens = false;
  for (const auto& [k, v] : o) {
    if (k != "tokens") {
      errors.push_back({std::string(k), "is not a field of this request"});
      continue;
    }
    has_tokens = true;
    if (!v.is_array() || v.as_array().empty() ||
        v.as_array().size() > domain::kMaxDetokenizeTokens) {
      errors.push_back({"tokens", "must be an array of 1 to 100 tokens"});
      continue;
    }
    const json::array& a = v.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string() || !domain::IsVaultToken(a[i].as_string())) {
        errors.push_back({"tokens[" + std::to_string(i) + "]", "is not a vault token"});
        continue;
      }
      tokens.emplace_back(a[i].as_string());
    }
  }
  if (!has_tokens && errors.empty()) errors.push_back({"tokens", "is required"});
  if (!errors.empty())
    return Unprocessable("the request body is not valid").WithFields(std::move(errors));
  return tokens;
}

}  // namespace workspaced::api
