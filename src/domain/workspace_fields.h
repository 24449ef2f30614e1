// What a client may write into a workspace's name, slug, labels and runtime:
// the one definition of these rules, applied to a create (POST
// /v1/workspaces) and to an update (PATCH /v1/workspaces/{id}) alike.
//
// Each check answers the problem to report for the field (a detail safe to
// show a client), or nullopt when the value is valid. Pure functions;
// thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace workspaced::domain {

inline constexpr std::size_t kMaxNameLength = 200;  // code points
inline constexpr std::size_t kMaxLabels = 64;
inline constexpr std::size_t kMaxLabelKeyLength = 63;
inline constexpr std::size_t kMaxLabelValueLength = 255;         // code points
inline constexpr std::size_t kMaxRuntimeGenerationLength = 32;   // code points
inline constexpr std::size_t kMaxStatusReasonLength = 1000;      // code points

// 1-200 code points, display-safe (common/text.h).
std::optional<std::string> NameProblem(std::string_view name);
// Valid UTF-8 and display-safe (common/text.h), whatever its length: the
// rule of every free text a client gives that others are shown (a secret's
// description too).
std::optional<std::string> UnsafeTextProblem(std::string_view s);
// domain/slug.h IsValidSlug, with the pattern spelled out for the client.
std::optional<std::string> SlugProblem(std::string_view slug);
// 1-63 characters of letters, digits, '-', '_', '.', '/'.
std::optional<std::string> LabelKeyProblem(std::string_view key);
// At most 255 code points, display-safe.
std::optional<std::string> LabelValueProblem(std::string_view value);
// 1-32 code points, display-safe.
std::optional<std::string> RuntimeGenerationProblem(std::string_view generation);
// Why a workspace is frozen (PATCH …/status `reason`, shown as its
// `status_reason` and in every 423): at most 1000 code points, display-safe.
std::optional<std::string> StatusReasonProblem(std::string_view reason);
// More than kMaxLabels labels.
std::optional<std::string> LabelCountProblem(std::size_t count);

}  // namespace workspaced::domain
