// Operator endpoints, no token needed: GET /healthz (the process answers),
// GET /readyz (the database answers), GET /metrics (Prometheus text), and
// GET /v1/openapi.yaml (the API description built into the binary).
#include "api/handlers/handlers.h"
#include "api/openapi_spec.h"

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
  Status Handle(RequestContext&, http::Response& out) override {
    if (!app_.store().Ping().ok()) return Unavailable("the database is not reachable");
    out.Json(200, R"({"status":"ready"})");
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

class OpenApi final : public Handler {
 public:
  Status Handle(RequestContext&, http::Response& out) override {
    out.status = 200;
    out.content_type = "application/yaml";
    out.body = std::string(OpenApiYaml());
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Handler> MakeHealthz(app::App&) { return std::make_unique<Healthz>(); }
std::unique_ptr<Handler> MakeReadyz(app::App& app) { return std::make_unique<Readyz>(app); }
std::unique_ptr<Handler> MakeMetrics(app::App& app) { return std::make_unique<MetricsText>(app); }
std::unique_ptr<Handler> MakeOpenApi(app::App&) { return std::make_unique<OpenApi>(); }

}  // namespace workspaced::api
