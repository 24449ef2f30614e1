// api/openapi.yaml (served at /v1/openapi.yaml) and api/v0.yaml (the
// Blaxel-compatible surface, at /v0/openapi.yaml), compiled into the binary
// (generated at build time).
#pragma once

#include <string_view>

namespace workspaced::api {
std::string_view OpenApiYaml();
std::string_view OpenApiV0Yaml();
}
