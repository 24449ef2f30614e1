#include "domain/workspace_fields.h"

#include "common/text.h"
#include "domain/slug.h"

namespace workspaced::domain {
namespace {

// What IsDisplaySafe refuses, in one phrase for every field that uses it.
constexpr std::string_view kUnsafeText =
    "must not contain control, bidirectional-formatting, line-separator or invisible "
    "characters";

// The precise problem of a display-safe text field of `min`-`max`
// characters (code points, as the spec's maxLength counts them: 255 emoji
// are 255 characters, not 1020): its length, else what it holds.
std::optional<std::string> TextProblem(std::string_view s, std::size_t min, std::size_t max) {
  const auto length = Utf8Length(s);
  if (!length) return "must be valid UTF-8";
  if (*length < min || *length > max)
    return min == 0 ? "must be at most " + std::to_string(max) + " characters"
                    : "must be " + std::to_string(min) + "-" + std::to_string(max) + " characters";
  return UnsafeTextProblem(s);
}

}  // namespace

std::optional<std::string> UnsafeTextProblem(std::string_view s) {
  if (!Utf8Length(s)) return "must be valid UTF-8";
  if (!IsDisplaySafe(s)) return std::string(kUnsafeText);
  return std::nullopt;
}

std::optional<std::string> NameProblem(std::string_view name) {
  if (auto problem = TextProblem(name, 1, kMaxNameLength)) return problem;
  // A name a reader cannot see (spaces only) names nothing.
  if (LooksBlank(name)) return "must not be blank";
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
  return TextProblem(value, 0, kMaxLabelValueLength);
}

std::optional<std::string> RuntimeGenerationProblem(std::string_view generation) {
  return TextProblem(generation, 1, kMaxRuntimeGenerationLength);
}

std::optional<std::string> StatusReasonProblem(std::string_view reason) {
  return TextProblem(reason, 0, kMaxStatusReasonLength);
}

std::optional<std::string> LabelCountProblem(std::size_t count) {
  if (count <= kMaxLabels) return std::nullopt;
  return "at most " + std::to_string(kMaxLabels) + " labels";
}

}  // namespace workspaced::domain
