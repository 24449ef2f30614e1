// Workspace slugs: 1–63 characters of [a-z0-9-], starting and ending with a
// letter or digit (a DNS label, so a slug can name hosts and schemas).
// Generated from the name when a client gives none, and made unique within
// the account with -2, -3, … (see PRODUCT.md).
#pragma once

#include <string>
#include <string_view>

namespace workspaced::domain {

inline constexpr std::size_t kMaxSlugLength = 63;

bool IsValidSlug(std::string_view slug);

// "Production EU (main)" → "production-eu-main". Characters outside
// [A-Za-z0-9] become single hyphens; an empty result becomes "workspace".
std::string SlugFromName(std::string_view name);

// The n-th candidate for a taken slug (n ≥ 2): "base-n", with the base cut so
// the whole stays a valid slug.
std::string SlugCandidate(std::string_view base, int n);

}  // namespace workspaced::domain
