// api/openapi.yaml, compiled into the binary (generated at build time).
#pragma once

#include <string_view>

namespace workspaced::api {
std::string_view OpenApiYaml();
}
