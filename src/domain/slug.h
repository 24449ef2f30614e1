// Workspace slugs: ^[a-z](-?[a-z0-9])*$, 1–63 characters: lowercase letters,
// digits and single hyphens, starting with a letter and not ending with a
// hyphen (a DNS label, so a slug can name hosts and schemas; the pattern is
// api/openapi.yaml's).
// Generated from the name when a client gives none, and made unique within
// the account with -2, -3, … (see PRODUCT.md).
#pragma once

#include <string>
#include <string_view>

namespace workspaced::domain {

inline constexpr std::size_t kMaxSlugLength = 63;

bool IsValidSlug(std::string_view slug);

// Slugs no new workspace may take, on any surface: /v0 addresses a workspace
// by its slug, and GET /v0/workspaces/availability is an endpoint. A create
// or a slug change to one is refused (409); a generated slug skips it.
// Workspaces that had one before keep it.
bool IsReservedSlug(std::string_view slug);

// "Production EU (main)" → "production-eu-main". Characters outside
// [A-Za-z0-9] become single hyphens; a name starting with a digit gets "ws-"
// before it ("2024 Budget" → "ws-2024-budget"); an empty result becomes
// "workspace". Always a valid slug.
std::string SlugFromName(std::string_view name);

// The n-th candidate for a taken slug (n ≥ 2): "base-n", with the base cut so
// the whole stays a valid slug.
std::string SlugCandidate(std::string_view base, int n);

}  // namespace workspaced::domain
