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

domain::MemberPrecondition IfMatchMember(const http::Request& request) {
  if (!request.HasHeader("If-Match")) return nullptr;
  return [if_match = std::string(request.HeaderValue("If-Match"))](
             const std::optional<domain::MemberResult>& current) -> Status {
    if (!current) {
      return Status(Code::kStaleVersion,
                    "the subject is not a member, so no If-Match can match (RFC 9110 §13.1.1)");
    }
    const std::string etag = MemberEtag(current->role, current->created_at);
    if (EtagMatches(if_match, etag, /*strong=*/true)) return Status::Ok();
    return Status(Code::kStaleVersion, "the membership has changed: its ETag is now " + etag);
  };
}

}  // namespace workspaced::api
