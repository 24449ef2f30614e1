#include "api/if_match.h"

#include "api/json_views.h"

namespace workspaced::api {

domain::Precondition IfMatchWorkspace(const http::Request& request) {
  if (!request.HasHeader("If-Match")) return nullptr;
  return [if_match = std::string(request.HeaderValue("If-Match"))](
             const model::Workspace& ws) -> Status {
    if (EtagMatches(if_match, WorkspaceEtag(ws), /*strong=*/true)) return Status::Ok();
    return Status(Code::kStaleVersion,
                  "the workspace has changed: its ETag is now " + WorkspaceEtag(ws));
  };
}

}  // namespace workspaced::api
