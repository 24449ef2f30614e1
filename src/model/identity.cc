#include "model/identity.h"

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

}  // namespace

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
