// The route table and the OpenAPI description never drift apart: every
// route served is documented under its path and method.
#include "api/routes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

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
  const std::string_view spec = OpenApiYaml();
  for (const RouteSpec& route : MakeRoutes(**app)) {
    const std::string path_key = "\n  " + route.pattern + ":\n";
    const std::size_t at = spec.find(path_key);
    ASSERT_NE(at, std::string_view::npos) << route.pattern << " is not documented";
    // The path's block ends where the next path (or the components) begins.
    std::size_t end = spec.find("\n  /", at + path_key.size());
    end = std::min(end, spec.find("\ncomponents:", at));
    const std::string_view block = spec.substr(at, end - at);
    EXPECT_NE(block.find("\n    " + std::string(MethodKey(route.method)) + ":\n"),
              std::string_view::npos)
        << MethodKey(route.method) << " " << route.pattern << " is not documented";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace workspaced::api
