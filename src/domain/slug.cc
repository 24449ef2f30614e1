#include "domain/slug.h"

namespace workspaced::domain {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string TrimHyphens(std::string s) {
  while (!s.empty() && s.back() == '-') s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == '-') ++start;
  return s.substr(start);
}

}  // namespace

bool IsValidSlug(std::string_view slug) {
  if (slug.empty() || slug.size() > kMaxSlugLength) return false;
  if (!IsLowerAlnum(slug.front()) || !IsLowerAlnum(slug.back())) return false;
  for (char c : slug)
    if (!IsLowerAlnum(c) && c != '-') return false;
  return true;
}

std::string SlugFromName(std::string_view name) {
  std::string out;
  bool hyphen = false;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (IsLowerAlnum(c)) {
      if (hyphen && !out.empty()) out.push_back('-');
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
