// GET /v1/workspaces/{workspace_id}/audit — the workspace's audit events,
// newest first. Permission: read on workspace.
//
// Query: limit (1–1000, default 50), action, actor, since and until (RFC 3339,
// inclusive), cursor (from the Link header: the next page keeps the
// filters). Every page is an index walk from the cursor — no COUNT(*) — so it
// costs the same however long the log is.
#include <algorithm>
#include <charconv>

#include "api/access.h"
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "api/json_writer.h"
#include "api/pagination.h"
#include "common/text.h"
#include "common/time_format.h"

namespace workspaced::api {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;

// The list a cursor belongs to: this workspace's log (whatever the filters,
// which the Link carries along).
std::string CursorList(std::string_view workspace_id) {
  return "audit:" + std::string(workspace_id);
}

StatusOr<model::AuditQuery> ParseQuery(const http::Request& r, const std::string& workspace_id,
                                       const CursorCodec& cursors) {
  const std::vector<std::string> names = r.QueryNames();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    if (n != "limit" && n != "cursor" && n != "action" && n != "actor" && n != "since" &&
        n != "until")
      return InvalidArgument("unknown query parameter '" + BoundedText(n, 64) + "'");
    if (std::count(names.begin(), names.end(), n) > 1)
      return InvalidArgument("query parameter '" + BoundedText(n, 64) + "' is repeated");
  }
  model::AuditQuery q;
  q.workspace_id = workspace_id;
  WS_ASSIGN_OR_RETURN(q.limit, ParseLimit(r, kDefaultLimit, kMaxLimit));
  if (auto cursor = r.QueryParam("cursor")) {
    WS_ASSIGN_OR_RETURN(const std::string position,
                        cursors.Decode(CursorList(workspace_id), *cursor));
    std::int64_t seq = 0;
    const char* end = position.data() + position.size();
    const auto [ptr, ec] = std::from_chars(position.data(), end, seq);
    // Only this service makes cursors: a position that is not a seq is a bug.
    if (ec != std::errc() || ptr != end || seq <= 0)
      return Internal("audit: a signed cursor holds no event position");
    q.before_seq = seq;
  }
  for (const char* name : {"action", "actor"}) {
    if (auto v = r.QueryParam(name)) {
      if (v->empty() || v->size() > 255)
        return InvalidArgument(std::string(name) + " must be 1-255 characters");
      (std::string_view(name) == "action" ? q.action : q.actor) = *v;
    }
  }
  WS_RETURN_IF_ERROR(ParseTimeWindow(r, q.since, q.until));
  return q;
}

std::string NextLink(std::string_view path, const model::AuditQuery& q, std::int64_t last_seq,
                     const http::Request& r, const CursorCodec& cursors) {
  std::string link = "<" + std::string(path) + "?limit=" + std::to_string(q.limit);
  link += "&cursor=" + cursors.Encode(CursorList(q.workspace_id), std::to_string(last_seq));
  for (const char* name : {"action", "actor", "since", "until"}) {
    if (auto v = r.QueryParam(name))
      link += "&" + std::string(name) + "=" + http::PercentEncode(*v);
  }
  return link + ">; rel=\"next\"";
}

// kInternal when an event is damaged (AuditDetailsJson): the request then
// fails as a whole rather than answer a body that is not JSON.
StatusOr<std::string> EventsJson(const std::vector<model::AuditEvent>& events) {
  std::string out;
  out.reserve(events.size() * 512 + 2);
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& e : events) {
    w.BeginObject();
    w.Field("seq", e.seq);
    w.Field("time", FormatRfc3339(e.time));
    w.Key("actor");
    w.BeginObject();
    w.Field("subject", e.actor);
    w.Field("authenticated_by", e.actor_auth);
    w.EndObject();
    w.Field("action", e.action);
    w.Key("target");
    w.BeginObject();
    w.Field("type", e.target_type);
    w.Field("id", e.target_id);
    w.EndObject();
    w.Field("outcome", e.outcome);
    w.Field("request_id", e.request_id);
    w.Field("source_ip", e.source_ip);
    w.Field("user_agent", e.user_agent);
    WS_ASSIGN_OR_RETURN(const std::string_view details, AuditDetailsJson(e));
    w.Key("details");
    w.RawValue(details);
    w.Field("hash", e.hash);
    w.Field("prev_hash", e.prev_hash);
    w.EndObject();
  }
  w.EndArray();
  return out;
}

class WorkspaceAudit final : public Handler {
 public:
  explicit WorkspaceAudit(app::App& app) : app_(app), cursors_(app.cursor_key()) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    WS_ASSIGN_OR_RETURN(model::AuditQuery q, ParseQuery(ctx.request, id, cursors_));
    const int limit = q.limit;
    q.limit = limit + 1;  // one more tells whether a next page exists
    std::vector<model::AuditEvent> events;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(events, tx.ListAudit(q));
      return Status::Ok();
    }));
    q.limit = limit;
    if (static_cast<int>(events.size()) > limit) {
      events.resize(static_cast<std::size_t>(limit));
      out.SetHeader("Link",
                    NextLink(ctx.request.path, q, events.back().seq, ctx.request, cursors_));
    }
    WS_ASSIGN_OR_RETURN(std::string body, EventsJson(events));
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const CursorCodec cursors_;
};

}  // namespace

std::unique_ptr<Handler> MakeWorkspaceAudit(app::App& app) {
  return std::make_unique<WorkspaceAudit>(app);
}

}  // namespace workspaced::api
