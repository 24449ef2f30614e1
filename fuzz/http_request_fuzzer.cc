// Bytes from a client, as the I/O thread meets them: Beast's request parser
// with the server's limits, our header checks (framing, Host), the Request
// handlers see, the router over the API's documented routes and the problem
// renderer. No socket: the bytes go to the parser directly.
#include <boost/beast/core.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_routes.h"
#include "http/problem.h"
#include "http/request_id.h"
#include "http/request_parse.h"
#include "http/router.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace workspaced;

const http::Router<int>& Routes() {
  static const http::Router<int>* router = [] {
    auto* r = new http::Router<int>();
    for (const auto& [method, path] : fuzz::kRoutes) r->Add(method, std::string(path), 0);
    return r;
  }();
  return *router;
}

// What the session would answer for a request read whole.
void Answer(const http::Request& request) {
  http::Response response;
  const std::string_view given = request.HeaderValue("X-Request-Id");
  const std::string id = http::IsSaneRequestId(given) ? std::string(given) : "req_fuzz";
  auto match = Routes().Find(request.method, request.path);
  if (match.route == nullptr) {
    http::SetProblem(response, match.allow.empty() ? 404 : 405,
                     "no such endpoint: " + std::string(request.path), id);
    return;
  }
  for (const auto& [name, value] : match.params)
    http::SetProblem(response, 422, std::string(name) + ": " + value, id);
  (void)request.HeaderCount("Authorization");
  (void)request.QueryNames();
  (void)request.QueryParam("cursor");
  (void)request.QueryCount("limit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const http::ServerOptions options;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Several requests may follow each other on one connection.
  while (!in.empty()) {
    http::RequestParser parser;
    http::LimitParser(parser, options);
    beast::error_code ec;
    bool checked = false;
    std::vector<const void*> header_fields;
    while (!in.empty() && !parser.is_done()) {
      const std::size_t n = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
      in.remove_prefix(n);
      if (ec == bhttp::error::need_more) {
        if (n == 0) return 0;  // the rest would come in a later read
        ec = {};
        continue;
      }
      if (ec) break;
      if (parser.is_header_done() && !checked) {
        checked = true;
        header_fields = http::HeaderFieldIds(parser.get());
        if (auto refusal = http::CheckHeader(parser.get().base())) {
          http::Response response;
          http::SetProblem(response, refusal->status, refusal->detail, "req_fuzz");
          return 0;  // the session closes the connection
        }
      }
    }
    if (ec) {
      http::Response response;
      http::SetProblem(response, 400, "malformed HTTP request: " + ec.message(), "req_fuzz");
      return 0;
    }
    if (!parser.is_done()) return 0;
    http::Request request;
    if (parser.chunked()) http::DropTrailerFields(parser.get(), header_fields);
    http::BuildRequest(parser.get(), request);
    Answer(request);
    if (!parser.get().keep_alive()) return 0;
  }
  return 0;
}
