// The route table and the OpenAPI description never drift apart: every
// route served is documented under its path and method.
#include "api/routes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "api/openapi_spec.h"

namespace workspaced::api {
namespace {

std::string_view MethodKey(http::Method m) {
  switch (m) {
    case http::Method::kGet:
      return "get";
    case http::Method::kPost:
      return "post";
    case http::Method::kPut:
      return "put";
    case http::Method::kPatch:
      return "patch";
    case http::Method::kDelete:
      return "delete";
    default:
      return "?";
  }
}

TEST(Routes, EveryRouteIsDocumentedInTheOpenApiDescription) {
  std::string dir = (std::filesystem::temp_directory_path() / "ws-routes-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  app::Config config;
  config.data_dir = dir + "/data";
  auto app = app::App::Open(config);
  ASSERT_TRUE(app.ok()) << app.status().message();
  const std::string_view v1 = OpenApiYaml();
  // The /v0 surface has its own document (api/v0.yaml, compiled in and
  // served at /v0/openapi.yaml), with Blaxel's server base /v0.
  const std::string_view v0 = OpenApiV0Yaml();
  ASSERT_FALSE(v0.empty()) << "api/v0.yaml";
  for (const RouteSpec& route : MakeRoutes(**app)) {
    const bool blaxel = route.dialect != nullptr;
    const std::string_view spec = blaxel ? std::string_view(v0) : v1;
    const std::string path_key =
        "\n  " + (blaxel ? route.pattern.substr(std::string_view("/v0").size()) : route.pattern) +
        ":\n";
    const std::size_t at = spec.find(path_key);
    ASSERT_NE(at, std::string_view::npos) << route.pattern << " is not documented";
    // The path's block ends where the next path (or the components) begins.
    std::size_t end = spec.find("\n  /", at + path_key.size());
    end = std::min(end, spec.find("\ncomponents:", at));
    const std::string_view block = spec.substr(at, end - at);
    const std::size_t op = block.find("\n    " + std::string(MethodKey(route.method)) + ":\n");
    ASSERT_NE(op, std::string_view::npos)
        << MethodKey(route.method) << " " << route.pattern << " is not documented";
    // Every operation but the operator endpoints may answer 429 (rate
    // limits, docs/rate-limits.md); the operation's block ends at the next
    // key indented like its method.
    std::size_t op_end = op + 1;
    do {
      op_end = block.find("\n    ", op_end + 1);
    } while (op_end != std::string_view::npos && block[op_end + 5] == ' ');
    const std::string_view operation = block.substr(op, op_end - op);
    const bool exempt =
        route.pattern == "/healthz" || route.pattern == "/readyz" || route.pattern == "/metrics";
    EXPECT_EQ(operation.find("TooManyRequests") != std::string_view::npos, !exempt)
        << MethodKey(route.method) << " " << route.pattern << ": 429 documented iff rate-limited";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace workspaced::api
