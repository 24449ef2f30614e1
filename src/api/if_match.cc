#include "api/if_match.h"

#include <strings.h>

#include <optional>

#include "api/json_views.h"

namespace workspaced::api {
namespace {

// Every field line of `name` as one list (RFC 9110 §5.3: `If-Match: "a"` and
// `If-Match: "b"` mean `If-Match: "a", "b"`); nullopt when none was sent.
std::optional<std::string> ListHeader(const http::Request& request, std::string_view name) {
  std::optional<std::string> out;
  for (const http::Header& h : request.headers) {
    if (h.name.size() != name.size() || strncasecmp(h.name.data(), name.data(), name.size()) != 0)
      continue;
    if (!out) out.emplace();
    if (!out->empty()) out->append(", ");
    out->append(h.value);
  }
  return out;
}

// The conditions of RFC 9110 §13.2.2 for a resource that exists with `etag`:
// If-Match (strong comparison) must list it or be *, If-None-Match (weak)
// must not. `what` names the resource in the 412's detail.
Status Evaluate(const std::optional<std::string>& if_match,
                const std::optional<std::string>& if_none_match, const std::string& etag,
                std::string_view what) {
  if (if_match && !EtagMatches(*if_match, etag, /*strong=*/true)) {
    // A weak form of the current tag: nothing changed, the tag cannot match.
    if (EtagMatches(*if_match, etag, /*strong=*/false))
      return Status(Code::kStaleVersion,
                    "If-Match compares strongly and a weak tag (W/...) "
                    "never matches: send the ETag " +
                        etag + " as it is");
    return Status(Code::kStaleVersion,
                  "the " + std::string(what) + " has changed: its ETag is now " + etag);
  }
  if (if_none_match && EtagMatches(*if_none_match, etag))
    return Status(Code::kStaleVersion,
                  "If-None-Match: the " + std::string(what) + " exists with ETag " + etag);
  return Status::Ok();
}

}  // namespace

domain::Precondition IfMatchWorkspace(const http::Request& request) {
  auto if_match = ListHeader(request, "If-Match");
  auto if_none_match = ListHeader(request, "If-None-Match");
  if (!if_match && !if_none_match) return nullptr;
  return [if_match = std::move(if_match),
          if_none_match = std::move(if_none_match)](const model::Workspace& ws) -> Status {
    return Evaluate(if_match, if_none_match, WorkspaceEtag(ws), "workspace");
  };
}

domain::MemberPrecondition IfMatchMember(const http::Request& request) {
  auto if_match = ListHeader(request, "If-Match");
  auto if_none_match = ListHeader(request, "If-None-Match");
  if (!if_match && !if_none_match) return nullptr;
  return [if_match = std::move(if_match), if_none_match = std::move(if_none_match)](
             const std::optional<domain::MemberResult>& current) -> Status {
    if (!current) {
      // Nothing exists: no If-Match can match; any If-None-Match holds.
      if (!if_match) return Status::Ok();
      return Status(Code::kStaleVersion,
                    "the subject is not a member, so no If-Match can match (RFC 9110 §13.1.1)");
    }
    return Evaluate(if_match, if_none_match, MemberEtag(current->role, current->created_at),
                    "membership");
  };
}

Status PreconditionsWithoutEtag(const http::Request& request, std::string_view what) {
  const auto if_match = ListHeader(request, "If-Match");
  if (if_match && !EtagMatches(*if_match, "", /*strong=*/true))
    return Status(Code::kStaleVersion,
                  "the " + std::string(what) + " has no ETag, so only If-Match: * can match");
  const auto if_none_match = ListHeader(request, "If-None-Match");
  if (if_none_match && EtagMatches(*if_none_match, ""))
    return Status(Code::kStaleVersion,
                  "If-None-Match: * cannot hold: the " + std::string(what) + " exists");
  return Status::Ok();
}

}  // namespace workspaced::api
