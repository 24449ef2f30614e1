// GET /v1/audit/denials — platform admins: the refused requests counted
// rather than chained (domain/denials.h, docs/audit.md), one item per
// (window, source, subject, status, reason, route template), in id order.
//
// Query: limit (1–1000, default 100), cursor (from the Link header), since
// and until (RFC 3339: windows that start within them, inclusive), source_ip.
#include "api/handlers/handlers.h"
#include "api/json_writer.h"
#include "api/pagination.h"
#include "common/time_format.h"

namespace workspaced::api {
namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

constexpr std::string_view kList = "audit-denials";

StatusOr<model::DenialQuery> ParseQuery(const http::Request& r, const CursorCodec& cursors) {
  WS_ASSIGN_OR_RETURN(const store::Page page, ParsePage(r, cursors, kList, kDefaultLimit, kMaxLimit,
                                                        {"since", "until", "source_ip"}));
  model::DenialQuery q;
  q.after = page.after;
  q.limit = page.limit;
  WS_RETURN_IF_ERROR(ParseTimeWindow(r, q.since, q.until));
  if (auto ip = r.QueryParam("source_ip")) {
    if (ip->empty() || ip->size() > 64) return InvalidArgument("source_ip must be 1-64 characters");
    q.source_ip = *ip;
  }
  return q;
}

std::string CountsJson(const std::vector<model::DenialCount>& counts) {
  std::string out;
  out.reserve(counts.size() * 400 + 2);
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& c : counts) {
    w.BeginObject();
    w.Field("id", c.id);
    w.Field("window_start", FormatRfc3339(c.window_start));
    w.Field("window_end", FormatRfc3339(c.window_end));
    w.Field("source_ip", c.source_ip);
    w.Key("subject");
    if (c.subject.empty()) {
      w.Null();
    } else {
      w.Value(c.subject);
    }
    w.Field("status", static_cast<std::int64_t>(c.status));
    w.Field("reason", c.reason);
    w.Field("route", c.route);
    w.Field("count", c.count);
    w.Field("first_at", FormatRfc3339(c.first_at));
    w.Field("last_at", FormatRfc3339(c.last_at));
    w.Field("user_agent", c.user_agent);
    w.Field("request_id", c.request_id);
    w.EndObject();
  }
  w.EndArray();
  return out;
}

class AuditDenials final : public Handler {
 public:
  explicit AuditDenials(app::App& app) : app_(app), cursors_(app.cursor_key()) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    if (!app_.IsPlatformAdmin(ctx.principal->subject))
      return PermissionDenied("only platform admins read the denial counts");
    WS_ASSIGN_OR_RETURN(model::DenialQuery q, ParseQuery(ctx.request, cursors_));
    const int limit = q.limit;
    q.limit = limit + 1;  // one more tells whether a next page exists
    std::vector<model::DenialCount> counts;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(counts, tx.ListDenialCounts(q));
      return Status::Ok();
    }));
    FinishPage(counts, store::Page{q.after, limit}, ctx.request.path, cursors_, kList, out);
    out.Json(200, CountsJson(counts));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const CursorCodec cursors_;
};

}  // namespace

std::unique_ptr<Handler> MakeAuditDenials(app::App& app) {
  return std::make_unique<AuditDenials>(app);
}

}  // namespace workspaced::api
