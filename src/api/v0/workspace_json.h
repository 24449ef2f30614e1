// Blaxel's `Workspace` and `WorkspaceUser` (camelCase) rendered from our
// model (docs/blaxel.md has the mapping field by field).
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "model/model.h"

namespace workspaced::api::v0 {

// `name` is the slug, `displayName` the name; `status` the provisioning
// phase; a frozen workspace keeps its phase and says why in statusReason.
std::string WorkspaceJson(const model::Workspace& ws);
// {"sub", "role", "accepted": true}: our members have no invitation step.
// An empty role: {"sub"} alone (a user just removed).
std::string UserJson(std::string_view subject, std::string_view role);

}  // namespace workspaced::api::v0
