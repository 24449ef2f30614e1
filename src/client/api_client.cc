#include "client/api_client.h"

#include <algorithm>
#include <cstdlib>

#include "common/text.h"

namespace workspaced::client {

ApiClient::ApiClient(Endpoint endpoint, std::string token, Sleeper sleep, int timeout_seconds)
    : connection_(std::move(endpoint), timeout_seconds),
      token_(std::move(token)),
      sleep_(std::move(sleep)) {}

StatusOr<Response> ApiClient::Get(const std::string& target) {
  return Call({.method = "GET", .target = target}, nullptr);
}

StatusOr<Response> ApiClient::Post(const std::string& target, const std::string& json,
                                   const std::string& idempotency_key) {
  Request r{.method = "POST", .target = target, .body = json};
  if (!json.empty()) r.headers.emplace_back("Content-Type", "application/json");
  if (!idempotency_key.empty()) r.headers.emplace_back("Idempotency-Key", idempotency_key);
  return Call(std::move(r), nullptr);
}

StatusOr<Response> ApiClient::Patch(const std::string& target, const std::string& json) {
  Request r{.method = "PATCH", .target = target, .body = json};
  r.headers.emplace_back("Content-Type", "application/json");
  return Call(std::move(r), nullptr);
}

StatusOr<Response> ApiClient::Download(const std::string& target, std::FILE* sink) {
  return Call({.method = "GET", .target = target}, sink);
}

StatusOr<Response> ApiClient::Call(Request request, std::FILE* sink) {
  // A "." or ".." segment (an id or subject given as one) is never sent: a
  // proxy that removes dot-segments would send the request elsewhere
  // (…/members/.. is the workspace itself).
  const std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  for (std::size_t at = 0; at != std::string_view::npos;) {
    const std::size_t next = path.find('/', at + 1);
    const std::string_view segment =
        path.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1);
    if (segment == "." || segment == ".." || segment == "%2E" || segment == "%2E%2E")
      return InvalidArgument("\".\" and \"..\" are not ids or names the API can address");
    at = next;
  }
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  request.headers.emplace_back("Accept", "application/json, application/problem+json, */*");
  bool keyed = false;
  for (const auto& h : request.headers) keyed |= h.first == "Idempotency-Key";
  // A 429 was refused before any work; a 503 may have been half done, so only
  // what may be repeated is repeated after one.
  const bool repeatable = request.method == "GET" || keyed;
  for (int attempt = 0;; ++attempt) {
    auto r = sink ? connection_.Download(request, sink) : connection_.Send(request);
    if (!r.ok() || attempt == kMaxRetries) return r;
    const bool again = r->status == 429 || (r->status == 503 && repeatable);
    if (!again) return r;
    // A download that failed wrote nothing to the sink (only 2xx bodies go there).
    // The idle connection may be closed during the wait (a proxy's idle
    // timeout), and a PATCH or POST is not resent on a connection found dead:
    // the resend, safe as said above, goes on a fresh one.
    connection_.Close();
    sleep_(RetryAfterSeconds(r->Header("Retry-After"), 1.0 * (1 << attempt)));
  }
}

double RetryAfterSeconds(const std::string& header, double fallback) {
  double s = fallback;
  if (!header.empty() && std::all_of(header.begin(), header.end(), ::isdigit) && header.size() < 9)
    s = std::strtod(header.c_str(), nullptr);
  return std::clamp(s, 0.0, 30.0);
}

std::string QueryEscape(const std::string& value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

// `<target>; rel="next"`, possibly among other comma-separated links.
std::string FindNext(const std::string& link_header) {
  std::size_t at = 0;
  while ((at = link_header.find('<', at)) != std::string::npos) {
    const auto close = link_header.find('>', at);
    if (close == std::string::npos) return "";
    const auto end = link_header.find(',', close);
    const std::string params = link_header.substr(
        close + 1, end == std::string::npos ? std::string::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string::npos ||
        params.find("rel=next") != std::string::npos)
      return link_header.substr(at + 1, close - at - 1);
    at = close;
  }
  return "";
}

}  // namespace

StatusOr<std::string> NextLink(const std::string& link_header) {
  std::string target = FindNext(link_header);
  if (target.empty()) return target;
  // Only a path is followed, after the URL's prefix on the same server: an
  // absolute URL glued on would be a nonsense target, and another server
  // must not be sent the token.
  if (target.front() != '/' || target.rfind("//", 0) == 0)
    return InvalidArgument("the server's next-page link \"" + BoundedText(target, 200) +
                           "\" is not a path on this server (it must start with one \"/\"); "
                           "not followed");
  for (const char c : target)
    if (c <= 0x20 || c >= 0x7f)
      return InvalidArgument("the server's next-page link \"" + BoundedText(target, 200) +
                             "\" holds a space or a character that is not visible ASCII; "
                             "not followed");
  return target;
}

}  // namespace workspaced::client
