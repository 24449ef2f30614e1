#include "domain/workspace_fields.h"

#include "common/text.h"
#include "domain/slug.h"

namespace workspaced::domain {

std::optional<std::string> NameProblem(std::string_view name) {
  const auto length = Utf8Length(name);
  if (!length || *length == 0 || *length > kMaxNameLength)
    return "must be 1-" + std::to_string(kMaxNameLength) + " characters";
  if (!IsDisplaySafe(name))
    return "must not contain control, bidirectional-formatting, line-separator or invisible tag "
           "characters";
  // A name a reader cannot see (spaces only) names nothing.
  if (name.find_first_not_of(" \t") == std::string_view::npos) return "must not be blank";
  return std::nullopt;
}

std::optional<std::string> SlugProblem(std::string_view slug) {
  if (IsValidSlug(slug)) return std::nullopt;
  return "must be 1-63 characters of a-z, 0-9 and single hyphens, starting with a letter and "
         "not ending with a hyphen";
}

std::optional<std::string> LabelKeyProblem(std::string_view key) {
  bool ok = !key.empty() && key.size() <= kMaxLabelKeyLength;
  for (char c : key) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '/');
  }
  if (ok) return std::nullopt;
  return "keys must be 1-63 characters of letters, digits, '-', '_', '.', '/'";
}

namespace {

// Display-safe text of `min`-`max` characters (code points, as the spec's
// maxLength counts them: 255 emoji are 255 characters, not 1020).
bool IsTextOfLength(std::string_view s, std::size_t min, std::size_t max) {
  const auto length = Utf8Length(s);
  return length && *length >= min && *length <= max && IsDisplaySafe(s);
}

}  // namespace

std::optional<std::string> LabelValueProblem(std::string_view value) {
  if (IsTextOfLength(value, 0, kMaxLabelValueLength)) return std::nullopt;
  return "must be at most 255 characters, without control characters";
}

std::optional<std::string> RuntimeGenerationProblem(std::string_view generation) {
  if (IsTextOfLength(generation, 1, kMaxRuntimeGenerationLength)) return std::nullopt;
  return "must be a string of 1-32 characters";
}

std::optional<std::string> StatusReasonProblem(std::string_view reason) {
  if (IsTextOfLength(reason, 0, kMaxStatusReasonLength)) return std::nullopt;
  return "must be a string of at most 1000 characters, without control, "
         "bidirectional-formatting, line-separator or invisible tag characters";
}

std::optional<std::string> LabelCountProblem(std::size_t count) {
  if (count <= kMaxLabels) return std::nullopt;
  return "at most " + std::to_string(kMaxLabels) + " labels";
}

}  // namespace workspaced::domain
