// If-Match on a workspace or a membership: the precondition a conditional
// change hands to its domain operation (checked inside the operation's
// transaction, so a change committed a moment earlier is never missed).
#pragma once

#include "domain/members.h"
#include "domain/workspaces.h"
#include "http/request.h"

namespace workspaced::api {

// Null when the request has no If-Match (the change is unconditional); else
// a precondition that answers kStaleVersion (412, naming the current ETag)
// unless the header matches the workspace's ETag (strong comparison, or *).
domain::Precondition IfMatchWorkspace(const http::Request& request);

// The same for a membership (json_views.h MemberEtag). A subject that is not
// a member has no ETag: any If-Match, * included, is then kStaleVersion.
domain::MemberPrecondition IfMatchMember(const http::Request& request);

}  // namespace workspaced::api
