#include "domain/slug.h"

namespace workspaced::domain {
namespace {

constexpr std::string_view kDigitPrefix = "ws-";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string TrimHyphens(std::string s) {
  while (!s.empty() && s.back() == '-') s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == '-') ++start;
  return s.substr(start);
}

}  // namespace

// ^[a-z](-?[a-z0-9])*$ (api/openapi.yaml), at most kMaxSlugLength.
bool IsValidSlug(std::string_view slug) {
  if (slug.empty() || slug.size() > kMaxSlugLength) return false;
  if (slug.front() < 'a' || slug.front() > 'z' || slug.back() == '-') return false;
  for (std::size_t i = 0; i < slug.size(); ++i) {
    if (slug[i] == '-') {
      if (slug[i - 1] == '-') return false;
    } else if (!IsLowerAlnum(slug[i])) {
      return false;
    }
  }
  return true;
}

bool IsReservedSlug(std::string_view slug) { return slug == "availability"; }

std::string SlugFromName(std::string_view name) {
  std::string out;
  bool hyphen = false;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (IsLowerAlnum(c)) {
      // A slug starts with a letter: "2024 budget" becomes "ws-2024-budget".
      if (out.empty() && !(c >= 'a' && c <= 'z')) out = kDigitPrefix;
      if (hyphen && !out.empty() && out.back() != '-') out.push_back('-');
      hyphen = false;
      out.push_back(c);
      if (out.size() >= kMaxSlugLength) break;
    } else {
      hyphen = true;
    }
  }
  out = TrimHyphens(std::move(out));
  return out.empty() ? "workspace" : out;
}

std::string SlugCandidate(std::string_view base, int n) {
  const std::string suffix = "-" + std::to_string(n);
  std::string head(base.substr(0, kMaxSlugLength - suffix.size()));
  head = TrimHyphens(std::move(head));
  if (head.empty()) head = "workspace";
  return head + suffix;
}

}  // namespace workspaced::domain
