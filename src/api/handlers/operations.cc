// Operator endpoints, no token needed: GET /healthz (the process answers),
// GET /readyz (the database answers; with ?deep=1 app::Readiness: the
// database's integrity, the dataplanes, SpiceDB), GET /metrics (Prometheus
// text), and GET /v1/openapi.yaml (the API description built into the binary).
#include "api/handlers/handlers.h"
#include "api/json_views.h"
#include "api/json_writer.h"
#include "api/openapi_spec.h"
#include "common/hex.h"
#include "common/hmac.h"
#include "common/time_format.h"
#include "http/problem.h"

namespace workspaced::api {
namespace {

class Healthz final : public Handler {
 public:
  Status Handle(RequestContext&, http::Response& out) override {
    out.Json(200, R"({"status":"ok"})");
    return Status::Ok();
  }
};

class Readyz final : public Handler {
 public:
  explicit Readyz(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::vector<std::string> names = ctx.request.QueryNames();
    const std::optional<std::string> deep = ctx.request.QueryParam("deep");
    if (names.size() > 1 || (names.size() == 1 && (names[0] != "deep" || deep != "1")))
      return InvalidArgument("the only query parameter is deep=1");
    if (!deep) {
      if (!app_.store().Ping().ok()) return Unavailable("the database is not reachable");
      out.Json(200, R"({"status":"ready"})");
      return Status::Ok();
    }
    WS_ASSIGN_OR_RETURN(const app::ReadinessResult r, app_.readiness().Check());
    if (!r.failure.empty()) {
      // Written here, not returned as a Status: a 503's message is for the
      // log only, but this one is a sentence for the operator's probe (no
      // host, file or internal message: ReadinessResult::failure).
      http::SetProblem(out, 503, "not ready: " + r.failure, ctx.request.request_id);
      out.SetHeader("Retry-After", "10");
      return Status::Ok();
    }
    std::string body;
    JsonWriter w(body);
    w.BeginObject();
    w.Field("status", "ready");
    w.Key("checks");
    w.BeginObject();
    for (const auto& [name, state] : r.checks) w.Field(name, state);
    w.EndObject();
    w.Field("checked_at", FormatRfc3339(r.checked_at));
    w.EndObject();
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class MetricsText final : public Handler {
 public:
  explicit MetricsText(app::App& app) : app_(app) {}
  Status Handle(RequestContext&, http::Response& out) override {
    out.status = 200;
    out.content_type = "text/plain; version=0.0.4; charset=utf-8";
    out.body = app_.metrics().Render();
    return Status::Ok();
  }

 private:
  app::App& app_;
};

// The document is compiled in: sent from where it lies (never copied per
// request: it is 200 KiB, and the route needs no token), with a strong
// ETag so a client that has it gets a 304.
class OpenApi final : public Handler {
 public:
  explicit OpenApi(std::string_view yaml)
      : yaml_(yaml), etag_("\"" + HexEncode(HmacSha256("openapi", yaml)).substr(0, 32) + "\"") {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    out.content_type = "application/yaml";
    out.SetHeader("ETag", etag_);
    out.SetHeader("Cache-Control", "no-cache");
    if (EtagMatches(ctx.request.HeaderValue("If-None-Match"), etag_)) {  // a list, weak, *
      out.status = 304;
      return Status::Ok();
    }
    out.status = 200;
    out.fixed_body = yaml_;
    return Status::Ok();
  }

 private:
  const std::string_view yaml_;
  const std::string etag_;
};

}  // namespace

std::unique_ptr<Handler> MakeHealthz(app::App&) { return std::make_unique<Healthz>(); }
std::unique_ptr<Handler> MakeReadyz(app::App& app) { return std::make_unique<Readyz>(app); }
std::unique_ptr<Handler> MakeMetrics(app::App& app) { return std::make_unique<MetricsText>(app); }
std::unique_ptr<Handler> MakeOpenApi(app::App&) { return std::make_unique<OpenApi>(OpenApiYaml()); }
std::unique_ptr<Handler> MakeOpenApiV0() { return std::make_unique<OpenApi>(OpenApiV0Yaml()); }

}  // namespace workspaced::api
