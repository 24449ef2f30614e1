// The route table: every endpoint of the service, in one place.
#pragma once

#include <vector>

#include "api/handler.h"
#include "app/app.h"

namespace workspaced::api {

std::vector<RouteSpec> MakeRoutes(app::App& app);

}  // namespace workspaced::api
