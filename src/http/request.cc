#include "http/request.h"

#include <strings.h>

#include <cctype>
#include <string>
#include <vector>

#include "common/text.h"

namespace workspaced::http {

std::string_view ToString(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

std::string_view Request::HeaderValue(std::string_view name) const {
  for (const auto& h : headers)
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  return {};
}

bool Request::HasHeader(std::string_view name) const {
  for (const auto& h : headers)
    if (EqualsIgnoreCase(h.name, name)) return true;
  return false;
}

int Request::HeaderCount(std::string_view name) const {
  int n = 0;
  for (const auto& h : headers) n += EqualsIgnoreCase(h.name, name);
  return n;
}

namespace {

int HexValue(char h) {
  if (h >= '0' && h <= '9') return h - '0';
  if (h >= 'a' && h <= 'f') return h - 'a' + 10;
  if (h >= 'A' && h <= 'F') return h - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding of one query component ('+' is
// a space). A malformed escape is kept literally, as browsers do.
std::string DecodeQueryComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Calls fn(key, value, has_value) for each '&'-separated parameter.
// Hand-written because Boost.URL 1.81's parse_query reads values past the end
// of a string_view that is not NUL-terminated (seen with Beast's buffers).
template <typename Fn>
void ForEachParam(std::string_view query, Fn&& fn) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      fn(DecodeQueryComponent(part), std::string(), false);
    } else {
      fn(DecodeQueryComponent(part.substr(0, eq)), DecodeQueryComponent(part.substr(eq + 1)), true);
    }
  }
}

}  // namespace

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  std::optional<std::string> found;
  ForEachParam(query, [&](std::string key, std::string value, bool) {
    if (!found && key == name) found = std::move(value);
  });
  return found;
}

int Request::QueryCount(std::string_view name) const {
  int n = 0;
  ForEachParam(query, [&](const std::string& key, const std::string&, bool) { n += key == name; });
  return n;
}

std::vector<std::string> Request::QueryParams(std::string_view name) const {
  std::vector<std::string> out;
  ForEachParam(query, [&](const std::string& key, std::string value, bool) {
    if (key == name) out.push_back(std::move(value));
  });
  return out;
}

std::vector<std::string> Request::QueryNames() const {
  std::vector<std::string> out;
  ForEachParam(query,
               [&](std::string key, const std::string&, bool) { out.push_back(std::move(key)); });
  return out;
}

namespace {

// The query parameters the API defines (docs and api/openapi.yaml), whose
// values say what was asked and hold nothing a client must keep secret: the
// access log keeps them. Any other parameter's value is redacted — a
// credential (`access_token`, a `?value=` sent to a secrets route by mistake,
// a signed URL's `sig`): a list of what to hide would always miss one.
bool IsLoggedParameter(std::string_view name) {
  for (std::string_view known :
       {"limit", "cursor", "after", "status", "region", "label", "name_prefix", "since", "until",
        "action", "actor", "format", "deep", "force", "source_ip", "workspace", "countResources",
        "withReason"})
    if (name == known) return true;
  return false;
}

// Whether a defined parameter's value is logged as sent (RedactedTarget):
// its name's first (but `label`'s), within its length, and one value only.
bool KeepsValue(const std::string& name, std::string_view value, std::vector<std::string>& seen) {
  // `label` is the one parameter given more than once (api/list_filters.h).
  if (name != "label")
    for (const std::string& s : seen)
      if (s == name) return false;
  // A cursor is at most 1,396 characters (docs/api.md); nothing else
  // defined is near 256.
  const std::size_t most = name == "cursor" || name == "after" ? 1400 : 256;
  // Decoded too (`limit=5%3Baccess_token%3D…` carries one as well), where
  // an '=' is a label's own (`label=expr:a%3Db`).
  return value.size() <= most && value.find_first_of(";?=/&#") == std::string_view::npos &&
         DecodeQueryComponent(value).find_first_of(";?/&#") == std::string::npos;
}

// Where the userinfo of an absolute-form target lies: [begin, end) before
// the authority's last '@' (perhaps empty); {0, 0} when there is none.
std::pair<std::size_t, std::size_t> UserinfoSpan(std::string_view target) {
  const std::size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return {0, 0};
  for (const char c : target.substr(0, scheme_end)) {  // RFC 3986 §3.1
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return {0, 0};
  }
  const std::size_t begin = scheme_end + 3;
  const std::size_t authority_end = std::min(target.find_first_of("/?#", begin), target.size());
  const std::size_t at = target.substr(begin, authority_end - begin).rfind('@');
  if (at == std::string_view::npos) return {0, 0};
  return {begin, begin + at};
}

}  // namespace

bool HasUserinfo(std::string_view target) { return UserinfoSpan(target).first > 0; }

std::string RedactedTarget(std::string_view target) {
  // A target that is not a path (absolute form, CONNECT's authority form):
  // everything up to its last '@' goes, whatever lies between, scheme
  // aside. Where userinfo ends cannot be told from its text when a
  // password holds an unencoded '/', '?' or '#' (outside audit:
  // `http://alice:hun/ter2@x/…` was logged whole), so a query's '@' takes
  // the path with it: such targets are rare, a credential in one is not.
  if (!target.empty() && target.front() != '/') {
    const std::size_t at = target.rfind('@');
    if (at != std::string_view::npos) {
      const std::size_t scheme_end = target.find("://");
      std::string redacted(scheme_end < at ? target.substr(0, scheme_end + 3) : "");
      redacted += "REDACTED@";
      return redacted + RedactedTarget(target.substr(at + 1));
    }
  }
  // A fragment is never sent by a client that means well: whatever follows
  // '#' is not kept.
  const std::size_t hash = target.find('#');
  const std::string_view kept = target.substr(0, hash);
  const std::string_view fragment = hash == std::string_view::npos ? "" : "#REDACTED";
  const std::size_t q = kept.find('?');
  if (q == std::string_view::npos) return std::string(kept) + std::string(fragment);
  std::string out(kept.substr(0, q + 1));
  std::string_view query = kept.substr(q + 1);
  std::vector<std::string> seen;  // the defined names met so far
  bool first = true;
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    if (!first) out.push_back('&');
    first = false;
    // A part the API does not define goes whole, name included (a name, or
    // a part without '=', can hold what a value can). A defined one keeps
    // its value only when it reads as one value: not a second of the same
    // name, not over its length, with no ';', '?', '=', '/', '&' or '#' (nor
    // one percent-encoded, but '=') that would
    // carry another part in it (`?limit=5;token=…`, outside audit; all such
    // requests are refused 400, and what they carried is not logged).
    const std::size_t eq = part.find('=');
    const std::string name = DecodeQueryComponent(part.substr(0, eq));
    if (part.empty()) {
    } else if (!IsLoggedParameter(name)) {
      out += "REDACTED";
    } else {
      if (eq == std::string_view::npos || KeepsValue(name, part.substr(eq + 1), seen)) {
        out += part;
      } else {
        out += part.substr(0, eq);
        out += "=REDACTED";
      }
      seen.push_back(name);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out + std::string(fragment);
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
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
      if (c == '\0') return std::nullopt;
      i += 2;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace workspaced::http
