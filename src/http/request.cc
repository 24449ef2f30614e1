#include "http/request.h"

#include <boost/url/parse_query.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <strings.h>

namespace workspaced::http {

std::string_view ToString(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

namespace {
bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

std::string_view Request::HeaderValue(std::string_view name) const {
  for (const auto& h : headers)
    if (IEquals(h.name, name)) return h.value;
  return {};
}

bool Request::HasHeader(std::string_view name) const {
  for (const auto& h : headers)
    if (IEquals(h.name, name)) return true;
  return false;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  if (query.empty()) return std::nullopt;
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return std::nullopt;
  for (auto p : *parsed) {
    if (p.key.decode() == name) return p.has_value ? std::string(p.value.decode()) : std::string();
  }
  return std::nullopt;
}

int Request::QueryCount(std::string_view name) const {
  if (query.empty()) return 0;
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return 0;
  int n = 0;
  for (auto p : *parsed)
    if (p.key.decode() == name) ++n;
  return n;
}

std::vector<std::string> Request::QueryNames() const {
  std::vector<std::string> out;
  if (query.empty()) return out;
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return out;
  for (auto p : *parsed) out.push_back(p.key.decode());
  return out;
}

std::optional<std::string> DecodePathSegment(std::string_view segment) {
  auto hex = [](char h) -> int {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    char c = segment[i];
    if (c == '%') {
      if (i + 2 >= segment.size()) return std::nullopt;
      const int hi = hex(segment[i + 1]);
      const int lo = hex(segment[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      if (c == '/' || c == '\0') return std::nullopt;
      i += 2;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace workspaced::http
