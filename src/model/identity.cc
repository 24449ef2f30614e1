#include "model/identity.h"

#include <optional>

#include "common/text.h"

namespace workspaced::model {
namespace {

void AppendEscaped(std::string& out, std::string_view part) {
  for (char c : part) {
    if (c == '%') {
      out += "%25";
    } else if (c == '|') {
      out += "%7C";
    } else {
      out += c;
    }
  }
}

// AppendEscaped undone: "%25" → '%', "%7C" → '|'; nothing when `part`
// holds another '%' (or a '|'): no QualifiedUser wrote it.
std::optional<std::string> Unescaped(std::string_view part) {
  std::string out;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i] == '|') return std::nullopt;
    if (part[i] != '%') {
      out += part[i];
      continue;
    }
    const std::string_view code = part.substr(i + 1, 2);
    if (code == "25") {
      out += '%';
    } else if (code == "7C") {
      out += '|';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

}  // namespace

bool IsValidSubject(std::string_view sub) {
  // "." and "..": a member's path segment (…/members/..) that a proxy
  // normalising dot-segments turns into the workspace's own path.
  return !sub.empty() && sub.size() <= kMaxSubjectBytes && IsDisplaySafe(sub) &&
         !HasSurroundingSpace(sub) && !HasBlankEdge(sub) && sub != "." && sub != "..";
}

bool IsUserId(std::string_view id) {
  if (id.size() > kMaxUserIdBytes) return false;
  const std::size_t bar = id.find('|');
  if (bar == std::string_view::npos) return IsValidSubject(id);
  const auto issuer = Unescaped(id.substr(0, bar));
  const auto sub = Unescaped(id.substr(bar + 1));
  return issuer && sub && !issuer->empty() && *issuer != kDevIssuer && IsDisplaySafe(*issuer) &&
         !HasSurroundingSpace(*issuer) && IsValidSubject(*sub);
}

std::vector<TrustedIssuer> DefaultTrustedIssuers() { return {{kDevIssuer, ""}}; }

std::string QualifiedUser(std::string_view issuer, std::string_view sub) {
  if (issuer == kDevIssuer) return std::string(sub);
  std::string out;
  out.reserve(issuer.size() + sub.size() + 1);
  AppendEscaped(out, issuer);
  out += '|';
  AppendEscaped(out, sub);
  return out;
}

std::string QualifiedGroup(std::string_view issuer, std::string_view org, std::string_view group) {
  if (issuer == kDevIssuer && org.empty()) return std::string(group);
  std::string out;
  AppendEscaped(out, issuer);
  out += '|';
  if (!org.empty()) {
    AppendEscaped(out, org);
    out += '|';
  }
  AppendEscaped(out, group);
  return out;
}

}  // namespace workspaced::model
