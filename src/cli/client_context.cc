#include "cli/client_context.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "client/problem.h"
#include "common/random.h"

namespace workspaced::cli {

int ReportStatus(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return status.code() == Code::kUnavailable ? kExitUnavailable : kExitFailed;
}

int ReportProblem(const client::Response& r) {
  std::fputs(client::RenderProblem(r).c_str(), stderr);
  return r.status >= 400 && r.status < 500 ? kExitApiError : kExitUnavailable;
}

std::unique_ptr<client::ApiClient> NewApiClient(const ClientFlags& flags) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  std::string url = !flags.url.empty() ? flags.url : env("WORKSPACED_URL");
  if (url.empty()) url = "http://127.0.0.1:8080";
  auto endpoint = client::ParseEndpoint(url);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "error: %s\n", endpoint.status().message().c_str());
    return nullptr;
  }
  const std::string token = !flags.token.empty() ? flags.token : env("WORKSPACED_TOKEN");
  return std::make_unique<client::ApiClient>(*endpoint, token, [](double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  });
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
  static const char* kHex = "0123456789abcdef";
  std::string key = "cli-";
  for (const unsigned char b : bytes) {
    key.push_back(kHex[b >> 4]);
    key.push_back(kHex[b & 15]);
  }
  return key;
}

}  // namespace workspaced::cli
