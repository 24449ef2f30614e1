// A blocking HTTP/1.1 client for tests, over Beast on loopback. One client is
// one keep-alive connection: it reconnects when the server said it would
// close (`Connection: close`) or has closed it. A request is never sent twice,
// except a GET, HEAD, PUT or DELETE that met a reused connection closed
// before any byte of the response (the stale keep-alive race); a timeout
// (30 s) or any other failure throws.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace workspaced::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string Header(const std::string& name) const;  // case-insensitive; "" if absent
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1");
  ~HttpClient();

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    const std::string& body = "");
  HttpResponse Get(const std::string& target, const std::string& token = "");

  // Sends raw bytes on a fresh connection and returns everything the server
  // sends back until it closes or `timeout_ms` passes.
  static std::string Raw(std::uint16_t port, const std::string& bytes, int timeout_ms = 3000);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace workspaced::testing
