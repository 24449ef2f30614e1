// What every API handler sees and implements. One handler class per file
// under api/handlers/; the route table (routes.cc) says which path, method,
// and whether the route needs a bearer token. A handler parses, calls one
// operation of src/domain (where every rule lives: frozen, version,
// relationships, audit) and renders.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.h"
#include "authz/authorizer.h"
#include "common/status.h"
#include "domain/pending_audit.h"
#include "http/request.h"
#include "http/response.h"

namespace workspaced::api {

// A refusal by the authorizer (access.h Require, v0 names), noted so that
// the dispatcher records it (api/audit.h AuditDenial): chained as
// `authz.denied` after the answer when the object exists, else counted.
struct Denial {
  std::string object_type;  // account or workspace
  std::string object_id;    // empty: a /v0 name that no workspace has
  std::string permission;   // read, write, administer
};

struct RequestContext {
  const http::Request& request;
  std::vector<std::pair<std::string_view, std::string>> params;  // decoded path parameters
  // Set for authenticated routes (never null there); null for public ones.
  std::shared_ptr<const auth::Principal> principal;
  // Set by Require() when it answers 403, or 404 for want of permission.
  std::optional<Denial> denial;
  // Every permission Require() granted, in order: each is asked again
  // inside every write transaction the request makes (access.h GrantCheck),
  // so a permission withdrawn meanwhile allows no write.
  struct Grant {
    authz::ObjectType type;
    std::string id;
    authz::Permission permission;
  };
  std::vector<Grant> grants;
  // Set by Require() when it lets the caller through to a workspace: the
  // workspace and the permission last granted. A change it then refuses for the object's
  // state (423, frozen) is recorded against that object (Api::Handle).
  std::optional<Denial> granted;
  // Set by a handler whose answer carries what may leave only once an audit
  // event is durable (a revealed value): the answer is sent once it is, or
  // replaced by the failure (Api::Handle; no thread waits meanwhile).
  domain::PendingAudit answer_audit;

  const std::string& Param(std::string_view name) const {
    for (const auto& [n, v] : params)
      if (n == name) return v;
    static const std::string kEmpty;
    return kEmpty;
  }
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Fills `out` on success. A non-OK status becomes a problem response
  // (http/problem.h); handlers never build error bodies themselves.
  virtual Status Handle(RequestContext& ctx, http::Response& out) = 0;
};

// How a surface other than /v1 speaks: where its bearer token may come
// from and how its errors look (the Blaxel-compatible /v0: api/v0/). Routes
// without one speak /v1's (Authorization; RFC 9457 problems).
struct Dialect {
  // Checked before authentication (e.g. a version header); an error is
  // answered with render_error. May be null.
  Status (*precheck)(const http::Request& request);
  // The request's "Bearer …" credential, or empty when it has none;
  // kInvalidArgument when it is ambiguous.
  StatusOr<std::string_view> (*credential)(const http::Request& request);
  // Fills `out` with the error for a non-OK status.
  void (*render_error)(http::Response& out, const Status& status, std::string_view request_id);
};

struct RouteSpec {
  http::Method method;
  std::string pattern;
  bool authenticated = true;
  std::unique_ptr<Handler> handler;
  // Never blocks (no database, no lock held for long): answered on the I/O
  // thread, so it stays fast while every worker is busy. Only for routes
  // without path parameters.
  bool runs_inline = false;
  const Dialect* dialect = nullptr;  // null: /v1's
};

}  // namespace workspaced::api
