// If-Match and If-None-Match on a workspace or a membership: the precondition
// a conditional change hands to its domain operation (checked inside the
// operation's transaction, so a change committed a moment earlier is never
// missed). Several field lines of one of them are one list (RFC 9110 §5.3).
#pragma once

#include "domain/members.h"
#include "domain/workspaces.h"
#include "http/request.h"

namespace workspaced::api {

// Null when the request has neither (the change is unconditional); else a
// precondition that answers kStaleVersion (412, naming the current ETag)
// unless If-Match matches the workspace's ETag (strong comparison, or *) and
// If-None-Match does not (weak comparison; * always matches: it exists).
domain::Precondition IfMatchWorkspace(const http::Request& request);

// The same for a membership (json_views.h MemberEtag). A subject that is not
// a member has no ETag: any If-Match, * included, is then kStaleVersion, and
// any If-None-Match holds (If-None-Match: * is "create, never replace").
domain::MemberPrecondition IfMatchMember(const http::Request& request);

// For a change of a resource that exists but has no ETag (an account's
// quotas, its trusted issuers): If-Match other than * and If-None-Match: *
// cannot hold (kStaleVersion, 412) rather than being ignored; else OK.
Status PreconditionsWithoutEtag(const http::Request& request, std::string_view what);

}  // namespace workspaced::api
