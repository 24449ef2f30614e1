#include "cli/client_context.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "client/problem.h"
#include "common/hex.h"
#include "common/random.h"

namespace workspaced::cli {

int ReportStatus(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  if (status.code() == Code::kInvalidArgument) return kExitUsage;  // refused before sending
  return status.code() == Code::kUnavailable ? kExitUnavailable : kExitFailed;
}

int ReportProblem(const client::Response& r) {
  std::fputs(client::RenderProblem(r).c_str(), stderr);
  return r.status >= 400 && r.status < 500 ? kExitApiError : kExitUnavailable;
}

std::unique_ptr<client::ApiClient> NewApiClient(const ClientFlags& flags) {
  // The first of the flag and the variables that is set and not empty.
  auto pick = [](const std::string& flag, const char* first, const char* fallback) {
    if (!flag.empty()) return flag;
    for (const char* name : {first, fallback})
      if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::string(v);
    return std::string();
  };
  std::string url = pick(flags.url, "CP_URL", "WORKSPACED_URL");
  if (url.empty()) url = "http://127.0.0.1:8080";
  auto endpoint = client::ParseEndpoint(url);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "error: %s\n", endpoint.status().message().c_str());
    return nullptr;
  }
  const std::string token = pick(flags.token, "TOKEN", "WORKSPACED_TOKEN");
  // A bearer token is visible ASCII (RFC 6750 b64token): anything else would
  // go into the request as it is (a line end starts another header) or be
  // refused by the server as a malformed request, with no word of why.
  for (const char c : token) {
    if (c < 0x21 || c > 0x7e) {
      std::fprintf(stderr,
                   "error: the token holds a character a token cannot (a space, a line end or a "
                   "control character: was it read from a file with CRLF line ends?)\n");
      return nullptr;
    }
  }
  return std::make_unique<client::ApiClient>(
      *endpoint, token,
      [](double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); },
      flags.timeout_seconds);
}

bool GetJson(client::ApiClient& api, const std::string& target, std::string& body, int& exit_code) {
  auto r = api.Get(target);
  if (!r.ok()) {
    exit_code = ReportStatus(r.status());
    return false;
  }
  if (r->status / 100 != 2) {
    exit_code = ReportProblem(*r);
    return false;
  }
  body = std::move(r->body);
  return true;
}

std::string NewIdempotencyKey() {
  auto random = NewSecureRandom();
  unsigned char bytes[16];
  random->Fill(bytes, sizeof bytes);
  return "cli-" + HexEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace workspaced::cli
