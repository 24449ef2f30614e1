#include "api/v0/dialect.h"

#include <boost/json.hpp>

#include "common/field_errors.h"
#include "common/public_error.h"
#include "http/problem.h"

namespace workspaced::api::v0 {
namespace {

constexpr std::string_view kPreview = ".preview";

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
  return true;
}

std::string_view WordFor(int http_status) {
  switch (http_status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 406:
      return "not_acceptable";
    case 409:
      return "conflict";
    case 412:
      return "precondition_failed";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 423:
      return "locked";
    case 501:
      return "not_implemented";
    case 503:
      return "unavailable";
    case 504:
      return "timeout";
    default:
      return "internal_error";
  }
}

// Blaxel answers an invalid body with 400, never 422: its clients expect
// that. The field errors join the message.
int V0HttpStatus(const Status& status) {
  if (status.code() == Code::kUnprocessable) return 400;
  return http::HttpStatusFor(status.code());
}

constexpr std::string_view kWordPrefix = "v0:";

std::string NotImplementedWord() { return std::string(kWordPrefix) + "not_implemented"; }

}  // namespace

Status NotImplemented(std::string message) {
  // kInternal so that nothing else mistakes it for a client's error; only
  // this surface renders it (501 with the message, our own sentence).
  return WithErrorWord(Internal(std::move(message)), "not_implemented");
}

Status WithErrorWord(Status status, std::string_view word) {
  // Carried as the problem type: /v1 never renders a v0 status, and the
  // prefix keeps the word from being mistaken for one of /v1's types.
  const std::string title(status.message());
  return std::move(status.WithProblemType(std::string(kWordPrefix) + std::string(word), title));
}

Status CheckApiVersion(const http::Request& request) {
  const int count = request.HeaderCount("Blaxel-Version");
  if (count == 0) return Status::Ok();
  std::string_view version = request.HeaderValue("Blaxel-Version");
  const auto invalid = [] {
    std::string known;
    for (const std::string_view v : kApiVersions) {
      if (!known.empty()) known += ", ";
      known += v;
    }
    // The value is not echoed: only what this server knows.
    return WithErrorWord(InvalidArgument("unknown Blaxel-Version; this server answers " + known +
                                         " (YYYY-MM-DD, or YYYY-MM-DD.preview)"),
                         "invalid_api_version");
  };
  if (count > 1) return invalid();
  if (version.ends_with(kPreview)) version.remove_suffix(kPreview.size());
  if (!IsDate(version)) return invalid();
  for (const std::string_view v : kApiVersions)
    if (v == version) return Status::Ok();
  return invalid();
}

StatusOr<std::string_view> BlaxelCredential(const http::Request& request) {
  const int blaxel = request.HeaderCount("X-Blaxel-Authorization");
  const int standard = request.HeaderCount("Authorization");
  if (blaxel > 1 || standard > 1)
    return InvalidArgument("send one Authorization or X-Blaxel-Authorization header, not several");
  const std::string_view a = request.HeaderValue("X-Blaxel-Authorization");
  const std::string_view b = request.HeaderValue("Authorization");
  // Both, saying different things: a proxy and the server could each pick
  // another one.
  if (blaxel == 1 && standard == 1 && a != b)
    return InvalidArgument("Authorization and X-Blaxel-Authorization name different credentials");
  return blaxel == 1 ? a : b;
}

void RenderBlaxelError(http::Response& out, const Status& status, std::string_view /*request_id*/) {
  // The request id is in the X-Request-Id header of every response.
  int code = V0HttpStatus(status);
  std::string word(WordFor(code));
  std::string message;
  const ProblemExtension* ext = status.extension();
  if (ext != nullptr && ext->type == NotImplementedWord()) {
    // Our own fixed sentence (NotImplemented), safe to show.
    code = 501;
    word = "not_implemented";
    message = status.message();
  } else if (IsServiceFailure(status.code())) {
    // The message is for the log (api.cc logs it); the client sees the
    // cause's fixed sentence.
    message = std::string(PublicErrorOf(status).text);
    if (status.code() == Code::kInternal && status.cause() == Cause::kNone)
      message = "internal error; quote the request id to the operator";
  } else {
    message = status.message();
    for (const FieldError& f : ListedFieldErrors(status.field_errors()))
      message += f.field.empty() ? "; " + f.detail : "; " + f.field + ": " + f.detail;
    if (ext != nullptr && ext->type.starts_with(kWordPrefix))
      word = ext->type.substr(kWordPrefix.size());
  }
  boost::json::object o;
  o["code"] = code;
  o["error"] = word;
  o["message"] = message;
  out.status = code;
  out.headers.clear();
  out.content_type = "application/json";
  out.body = boost::json::serialize(o);
  out.stream.reset();
  if (code == 401) out.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  if (status.retry_after() > 0)
    out.SetHeader("Retry-After", std::to_string(status.retry_after()));
  else if (code == 503)
    out.SetHeader("Retry-After", "1");
}

void RenderBlaxelMethodNotAllowed(http::Response& out, std::string_view allow) {
  out.status = 405;
  out.headers.clear();
  out.content_type = "application/json";
  out.body = boost::json::serialize(boost::json::object{
      {"code", 405},
      {"error", "method_not_allowed"},
      {"message", "this method is not allowed here; allowed: " + std::string(allow)}});
  out.stream.reset();
  out.SetHeader("Allow", std::string(allow));
}

const Dialect& BlaxelDialect() {
  static constexpr Dialect kDialect{&CheckApiVersion, &BlaxelCredential, &RenderBlaxelError};
  return kDialect;
}

}  // namespace workspaced::api::v0
