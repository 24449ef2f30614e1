// The Customer Portal (docs/portal.md), no token needed:
//   GET /portal/ (and /portal) the page (no-cache: always revalidated)
//   GET /portal/assets/{file}  its content-hashed script and style (a year)
//   GET /portal/config.json    what the page may offer: {"dev_sign_in": bool}
//   POST /portal/dev-token     {"sub", "groups"?, "code"} → {"token", "expires_in"}
// The files are compiled in (portal/assets.h). Every answer carries a strict
// Content-Security-Policy: scripts and styles from this origin only, no
// inline script, requests to this origin only.
//
// The dev sign-in mints a dev-key token for any subject, `admin` included, so
// it is offered only while dev tokens are on and only to a client on a
// loopback address (the TCP peer: a proxy in front makes every client look
// local, so a deployment that keeps dev tokens behind a proxy must not rely on
// it; docs/portal.md). It takes JSON only, so a cross-site form cannot reach
// it, and a page of another origin cannot read its answer (no CORS). And it
// asks for the sign-in code the server logs at start (app::DevSignInCode):
// being on the machine is not enough, reading the server's log or key is.
#include <algorithm>
#include <boost/json.hpp>

#include "api/handlers/handlers.h"
#include "api/json_body.h"
#include "api/json_views.h"
#include "api/json_writer.h"
#include "app/bootstrap.h"
#include "auth/jwt_authenticator.h"
#include "common/hmac.h"
#include "common/text.h"
#include "model/identity.h"
#include "portal/assets.h"

namespace workspaced::api {
namespace {

namespace json = boost::json;

constexpr char kCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
constexpr std::int64_t kDevTokenSeconds = 8 * 3600;

void SecurityHeaders(http::Response& out) {
  out.SetHeader("Content-Security-Policy", kCsp);
  out.SetHeader("Referrer-Policy", "no-referrer");
  out.SetHeader("Cross-Origin-Opener-Policy", "same-origin");
}

Status Serve(const portal::Asset* asset, const http::Request& request, http::Response& out) {
  if (asset == nullptr) return NotFound("no such portal file");
  SecurityHeaders(out);
  out.SetHeader("ETag", std::string(asset->etag));
  out.SetHeader("Cache-Control",
                asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  out.content_type = std::string(asset->content_type);
  if (EtagMatches(request.HeaderValue("If-None-Match"), asset->etag)) {  // a list, weak, *
    out.status = 304;
    return Status::Ok();
  }
  out.status = 200;
  out.fixed_body = asset->body;  // compiled in: never copied per request
  return Status::Ok();
}

class PortalPage final : public Handler {
 public:
  Status Handle(RequestContext& ctx, http::Response& out) override {
    return Serve(portal::FindAsset("index.html"), ctx.request, out);
  }
};

class PortalAsset final : public Handler {
 public:
  Status Handle(RequestContext& ctx, http::Response& out) override {
    return Serve(portal::FindAsset("assets/" + ctx.Param("file")), ctx.request, out);
  }
};

bool IsLoopback(std::string_view ip) {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

bool DevSignInAllowed(const app::App& app, const http::Request& request) {
  return app.config().auth.dev_tokens && IsLoopback(request.remote_ip);
}

class PortalConfig final : public Handler {
 public:
  explicit PortalConfig(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    SecurityHeaders(out);
    out.SetHeader("Cache-Control", "no-store");
    out.Json(200, std::string(R"({"dev_sign_in":)") +
                      (DevSignInAllowed(app_, ctx.request) ? "true" : "false") + "}");
    return Status::Ok();
  }

 private:
  app::App& app_;
};

Status Invalid(std::string field, std::string detail) {
  return Status(Code::kUnprocessable, "the request body is not valid")
      .WithFields({{std::move(field), std::move(detail)}});
}

// A subject or group as a dev token may carry it (the authenticator's own
// rule, model::IsValidSubject: no white space at either end either) and
// without '|' (refused in dev tokens, docs/identity.md).
bool ValidName(std::string_view s) {
  return model::IsValidSubject(s) && s.find('|') == std::string_view::npos;
}

class PortalDevToken final : public Handler {
 public:
  explicit PortalDevToken(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    if (!DevSignInAllowed(app_, ctx.request))
      return NotFound("dev sign-in is not offered (dev tokens off, or not a loopback client)");
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const json::object o,
                        ParseJsonObjectBody(ctx.request.body, /*max_depth=*/4));
    for (const auto& [k, unused] : o)
      if (k != "sub" && k != "groups" && k != "code")
        return Invalid(std::string(k), "is not a known field");
    auth::DevTokenClaims claims;
    const json::value* sub = o.if_contains("sub");
    if (sub == nullptr || !sub->is_string() || !ValidName(sub->as_string()))
      return Invalid("sub", "must be 1-255 characters, no control characters or '|'");
    claims.subject = std::string(sub->as_string());
    if (const json::value* groups = o.if_contains("groups"); groups != nullptr) {
      if (!groups->is_array() || groups->as_array().size() > 64)
        return Invalid("groups", "must be an array of at most 64 group names");
      for (const json::value& g : groups->as_array()) {
        if (!g.is_string() || !ValidName(g.as_string()))
          return Invalid("groups",
                         "each group must be 1-255 characters, no control characters or '|'");
        claims.groups.emplace_back(g.as_string());
      }
    }
    WS_ASSIGN_OR_RETURN(const std::string key,
                        app::LoadOrCreateDevKey(app_.data_dir(), app_.random()));
    const json::value* code = o.if_contains("code");
    if (code == nullptr || !code->is_string() ||
        !ConstantTimeEquals(code->as_string(), app::DevSignInCode(key)))
      return Status(Code::kPermissionDenied,
                    "the sign-in code is not the one the server logged at start");
    claims.issued_at = app_.clock().Now();
    // Never longer than the server accepts (auth.max_token_lifetime_seconds):
    // an 8-hour token under a 1-hour limit was minted, then refused with 401
    // on its first call (outside audit).
    const std::int64_t limit = app_.config().auth.max_token_lifetime_seconds;
    const std::int64_t seconds = limit > 0 ? std::min(kDevTokenSeconds, limit) : kDevTokenSeconds;
    claims.ttl = seconds * 1'000'000;
    std::string body;
    JsonWriter w(body);
    w.BeginObject();
    w.Field("token", auth::SignDevToken(key, claims));
    w.Field("expires_in", seconds);
    w.EndObject();
    out.SetHeader("Cache-Control", "no-store");
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakePortalPage() { return std::make_unique<PortalPage>(); }
std::unique_ptr<Handler> MakePortalAsset() { return std::make_unique<PortalAsset>(); }
std::unique_ptr<Handler> MakePortalConfig(app::App& app) {
  return std::make_unique<PortalConfig>(app);
}
std::unique_ptr<Handler> MakePortalDevToken(app::App& app) {
  return std::make_unique<PortalDevToken>(app);
}

}  // namespace workspaced::api
