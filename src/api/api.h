// The HTTP API as one request handler: route, authenticate, run the handler,
// turn a failed Status into a problem response.
//
// Thread-safety: Handle may run on any number of threads at once; the route
// table is built in the constructor and never changes.
#pragma once

#include <memory>

#include "app/app.h"
#include "http/request.h"
#include "http/response.h"

namespace workspaced::http {
class RateLimiter;
}

namespace workspaced::api {

class Api {
 public:
  // With `limiter` (not owned, outlives the Api), a request to an
  // authenticated route is held to its caller's reads or writes budget, and
  // one without a valid credential to its address's unauthenticated budget
  // (checked before the 401 is audited).
  explicit Api(app::App& app, http::RateLimiter* limiter = nullptr);
  ~Api();
  void Handle(const http::Request& request, http::Response& response);
  // True when the request's route never blocks (RouteSpec::runs_inline): the
  // transport may answer it on its I/O thread.
  bool RunsInline(const http::Request& request) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace workspaced::api
