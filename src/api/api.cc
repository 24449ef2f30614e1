#include "api/api.h"

#include <strings.h>

#include <cctype>

#include "api/access.h"
#include "api/audit.h"
#include "api/routes.h"
#include "api/v0/dialect.h"
#include "common/log.h"
#include "common/public_error.h"
#include "common/random.h"
#include "common/text.h"
#include "crypto/aead.h"
#include "http/problem.h"
#include "http/rate_limit.h"
#include "http/router.h"
#include "store/write_check.h"

namespace workspaced::api {

struct Api::Impl {
  app::App& app;
  http::RateLimiter* limiter;  // may be null
  http::Router<RouteSpec> router;
  std::vector<std::string> inline_paths;  // of runs_inline routes (GET, no parameters)
};

Api::Api(app::App& app, http::RateLimiter* limiter)
    : impl_(std::make_unique<Impl>(Impl{app, limiter, {}, {}})) {
  for (RouteSpec& spec : MakeRoutes(app)) {
    if (spec.runs_inline) impl_->inline_paths.push_back(spec.pattern);
    const http::Method m = spec.method;
    std::string pattern = spec.pattern;
    impl_->router.Add(m, std::move(pattern), std::move(spec));
  }
}

Api::~Api() = default;

namespace {

// "Bearer <token>" with a case-insensitive scheme; empty when absent or of
// another scheme.
std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      strncasecmp(header.data(), kScheme.data(), kScheme.size()) != 0)
    return {};
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

// The one place a failure's detail goes: the client sees its public reason
// (http/problem.h).
void LogFailure(const Status& status, std::string_view request_id, std::string_view route) {
  if (!IsServiceFailure(status.code())) return;
  log::Error("request failed", {{"request_id", std::string(request_id)},
                                {"route", std::string(route)},
                                {"code", PublicErrorOf(status).code},
                                {"error", status.message()}});
}

// Sends `response` once `audit` is durable; replaces it with the failure
// (wiping what it carried) when the event could not be recorded.
void HoldForAudit(domain::PendingAudit audit, http::Response& response, std::string request_id,
                  const Dialect* dialect) {
  auto pending = std::make_shared<domain::PendingAudit>(std::move(audit));
  response.hold = [pending, &response, request_id = std::move(request_id),
                   dialect](std::function<void()> release) mutable {
    std::move(*pending).Submit([&response, request_id = std::move(request_id), dialect,
                                release = std::move(release)](const Status& s) {
      if (!s.ok()) {
        LogFailure(s, request_id, response.route);
        crypto::Wipe(response.body);
        http::Response failed;
        failed.route = response.route;
        failed.no_store = response.no_store;
        response = std::move(failed);
        if (dialect != nullptr)
          dialect->render_error(response, s, request_id);
        else
          http::SetProblem(response, s, request_id);
      }
      release();
    });
  };
}

}  // namespace

bool Api::RunsInline(const http::Request& request) const {
  if (request.method != http::Method::kGet && request.method != http::Method::kHead) return false;
  for (const std::string& p : impl_->inline_paths)
    if (request.path == p) return true;
  return false;
}

void Api::Handle(const http::Request& request, http::Response& response) {
  // A target that is not a path: `OPTIONS *` asks what the server supports
  // (RFC 9110 §9.3.7), CONNECT asks for a tunnel this server does not make,
  // and anything else is malformed (RFC 9112 §3.2).
  if (request.path.empty() || request.path.front() != '/') {
    if (request.method == http::Method::kOptions && request.target == "*") {
      response.status = 204;
      response.SetHeader("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE");
      return;
    }
    if (request.method_text == "CONNECT") {
      http::SetProblem(response, 501, "CONNECT is not supported: this server is not a proxy",
                       request.request_id);
      return;
    }
    http::SetProblem(response, 400,
                     "the request target must be a path (origin form) or an absolute URI",
                     request.request_id);
    return;
  }
  // HEAD is answered as GET; the transport sends the headers only.
  const http::Method method =
      request.method == http::Method::kHead ? http::Method::kGet : request.method;
  auto match = impl_->router.Find(method, request.path);
  if (match.allow.find("GET") != std::string::npos) match.allow += ", HEAD";
  if (match.route == nullptr && !match.malformed_param.empty()) {
    Status bad = InvalidArgument("the path's " + std::string(match.malformed_param) +
                                 " is not valid percent-encoding ('%' and two hex digits; "
                                 "%00 is not allowed)");
    if (request.path.starts_with("/v0/"))
      return v0::BlaxelDialect().render_error(response, bad, request.request_id);
    return http::SetProblem(response, bad, request.request_id);
  }
  if (match.route == nullptr) {
    // The Blaxel-compatible surface answers in its own words there too.
    if (request.path == "/v0" || request.path.starts_with("/v0/")) {
      if (!match.allow.empty()) return v0::RenderBlaxelMethodNotAllowed(response, match.allow);
      return v0::BlaxelDialect().render_error(response, NotFound("no such endpoint"),
                                              request.request_id);
    }
    if (!match.allow.empty()) {
      http::SetProblem(response, 405,
                       "method " + BoundedText(request.method_text, 64) +
                           " is not allowed here; allowed: " + match.allow,
                       request.request_id);
      response.SetHeader("Allow", match.allow);
    } else {
      // The path as sent, bounded and with what is not displayable escaped.
      http::SetProblem(response, 404, "no such endpoint: " + BoundedText(request.path, 256),
                       request.request_id);
    }
    return;
  }
  const RouteSpec& spec = match.route->handler;
  response.route = match.route->pattern;
  // What an authenticated request sees is for its caller only: no shared or
  // private cache keeps it (errors included).
  response.no_store = spec.authenticated;
  // Ids are UUIDs, stored in lowercase: an uppercase one names the same row.
  for (auto& [name, value] : match.params)
    if (name.ends_with("_id") && IsUuid(value))
      for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  RequestContext ctx{request, std::move(match.params), nullptr};
  const Dialect* dialect = spec.dialect;
  auto fail = [&](const Status& status) {
    if (dialect != nullptr)
      dialect->render_error(response, status, request.request_id);
    else
      http::SetProblem(response, status, request.request_id);
  };
  if (dialect != nullptr && dialect->precheck != nullptr) {
    if (const Status checked = dialect->precheck(request); !checked.ok()) return fail(checked);
  }

  if (spec.authenticated) {
    // Two credentials are ambiguous: a proxy and the server could each pick
    // a different one (RFC 9110 §5.3 allows one Authorization only).
    std::string_view header;
    if (dialect != nullptr) {
      StatusOr<std::string_view> credential = dialect->credential(request);
      if (!credential.ok()) {
        fail(credential.status());
        response.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_request\"");
        return;
      }
      header = *credential;
    } else if (request.HeaderCount("Authorization") > 1) {
      fail(InvalidArgument("send one Authorization header, not several"));
      response.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_request\"");
      return;
    } else {
      header = request.HeaderValue("Authorization");
    }
    http::RateLimiter* limiter = impl_->limiter;
    const std::string_view token = BearerToken(header);
    if (token.empty()) {
      if (limiter != nullptr && !limiter->AdmitUnauthenticated(request, response)) return;
      const Status missing = Unauthenticated("a bearer token is required");
      AuditDenial(impl_->app, ctx, response.route, 401, missing.message());
      fail(missing);
      response.SetHeader("WWW-Authenticate", "Bearer realm=\"workspaced\"");
      return;
    }
    auto principal = impl_->app.authenticator().Authenticate(token);
    if (!principal.ok()) {
      if (principal.status().code() == Code::kUnauthenticated) {
        if (limiter != nullptr && !limiter->AdmitUnauthenticated(request, response)) return;
        AuditDenial(impl_->app, ctx, response.route, 401, principal.status().message());
      }
      fail(principal.status());
      return;
    }
    ctx.principal = std::move(principal).value();
    if (limiter != nullptr && !limiter->AdmitCaller(request, ctx.principal->subject, response))
      return;
  }

  // The handler's writes are checked against what Require granted it
  // (access.h GrantCheck); what is recorded after it (a refusal) is not.
  const Status status = [&] {
    GrantCheck grants(impl_->app.authorizer(), ctx);
    const store::ScopedWriteCheck checked(&grants);
    return spec.handler->Handle(ctx, response);
  }();
  if (status.ok() && ctx.answer_audit)
    return HoldForAudit(std::move(ctx.answer_audit), response, std::string(request.request_id),
                        dialect);
  if (!status.ok()) {
    LogFailure(status, request.request_id, response.route);
    if (ctx.denial &&
        (status.code() == Code::kNotFound || status.code() == Code::kPermissionDenied)) {
      AuditDenial(impl_->app, ctx, response.route, http::HttpStatusFor(status.code()),
                  status.message());
    } else if (status.code() == Code::kFrozen && ctx.granted) {
      // A change the caller may make, refused because the workspace is
      // frozen: on its record too, as who tried to write to it.
      ctx.denial = std::move(ctx.granted);
      AuditDenial(impl_->app, ctx, response.route, http::HttpStatusFor(status.code()),
                  status.message());
    }
    fail(status);
  }
}

}  // namespace workspaced::api
