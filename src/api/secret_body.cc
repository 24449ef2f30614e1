#include "api/secret_body.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/json_body.h"
#include "crypto/aead.h"

namespace workspaced::api {
namespace json = boost::json;

// {"value", "environment"?, "description"?}; every problem at once, reported
// by the operation (domain::ValidateSecretWrite) with the rules' own.
// The value's bytes are copied once, into SecretWrite::value (on the heap
// even when short, so moving it never leaves a copy behind), and the parsed
// copy in the JSON tree is overwritten; the caller wipes the request body
// (http::Response::sensitive) and SecretWrite::value.
StatusOr<domain::SecretWrite> ParseSecretPutBody(std::string_view body, const std::string& name) {
  WS_ASSIGN_OR_RETURN(json::object o, ParseJsonObjectBody(body, /*max_depth=*/4));
  domain::SecretWrite w;
  w.name = name;
  std::vector<FieldError> errors;
  bool has_value = false;
  for (auto& [k, v] : o) {
    std::string* into = k == "value"         ? &w.value
                        : k == "environment" ? &w.environment
                        : k == "description" ? &w.description
                                             : nullptr;
    if (into == nullptr) {
      errors.push_back({std::string(k), "is not a field of this request"});
      continue;
    }
    if (k == "environment" && v.is_null()) continue;
    // Present, whatever its type: one error for it ("must be a string"),
    // not a second saying it is required.
    has_value = has_value || k == "value";
    if (!v.is_string()) {
      errors.push_back({std::string(k), "must be a string"});
      continue;
    }
    json::string& text = v.as_string();
    if (k == "value") {
      into->reserve(std::max<std::size_t>(text.size(), 16));  // past the inline buffer
      into->assign(text.data(), text.size());
      crypto::Wipe(text.data(), text.size());
      continue;
    }
    if (k == "environment" && text.empty()) {
      errors.push_back({"environment", "must be one of dev, staging, prod, or null"});
      continue;
    }
    into->assign(text.data(), text.size());
  }
  if (!has_value) errors.push_back({"value", "is required"});
  // Reported by the operation with the rules' own, before the workspace's state.
  w.parse_errors = std::move(errors);
  return w;
}

}  // namespace workspaced::api
