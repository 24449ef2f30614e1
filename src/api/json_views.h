// The API's JSON representations of resources (snake_case, as seed 000).
#pragma once

#include <string>
#include <vector>

#include "model/model.h"

namespace workspaced::api {

std::string WorkspaceJson(const model::Workspace& ws);
std::string WorkspacesJson(const std::vector<model::Workspace>& list);
std::string EnvironmentsJson(const std::vector<model::Environment>& list);
std::string AccountJson(const model::Account& account);
// Strong ETag of a workspace's current version.
std::string WorkspaceEtag(const model::Workspace& ws);

}  // namespace workspaced::api
