#include "domain/workspace_fields.h"

#include "common/text.h"
#include "domain/slug.h"

namespace workspaced::domain {

std::optional<std::string> NameProblem(std::string_view name) {
  const auto length = Utf8Length(name);
  if (!length || *length == 0 || *length > kMaxNameLength)
    return "must be 1-" + std::to_string(kMaxNameLength) + " characters";
  if (!IsDisplaySafe(name)) return "must not contain control or bidirectional-override characters";
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

std::optional<std::string> LabelValueProblem(std::string_view value) {
  if (value.size() <= kMaxLabelValueLength && IsDisplaySafe(value)) return std::nullopt;
  return "must be at most 255 characters, without control characters";
}

std::optional<std::string> RuntimeGenerationProblem(std::string_view generation) {
  if (!generation.empty() && generation.size() <= kMaxRuntimeGenerationLength &&
      IsDisplaySafe(generation))
    return std::nullopt;
  return "must be a string of 1-32 characters";
}

std::optional<std::string> LabelCountProblem(std::size_t count) {
  if (count <= kMaxLabels) return std::nullopt;
  return "at most " + std::to_string(kMaxLabels) + " labels";
}

}  // namespace workspaced::domain
