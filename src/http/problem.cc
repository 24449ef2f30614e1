#include "http/problem.h"

#include <boost/json.hpp>

#include "common/field_errors.h"
#include "common/public_error.h"
#include "common/text.h"

namespace workspaced::http {
namespace {

struct Kind {
  int status;
  std::string_view slug;
  std::string_view title;
};

Kind KindFor(int status) {
  switch (status) {
    case 400:
      return {400, "bad-request", "Bad Request"};
    case 401:
      return {401, "unauthorized", "Unauthorized"};
    case 403:
      return {403, "forbidden", "Forbidden"};
    case 404:
      return {404, "not-found", "Not Found"};
    case 405:
      return {405, "method-not-allowed", "Method Not Allowed"};
    case 406:
      return {406, "not-acceptable", "Not Acceptable"};
    case 408:
      return {408, "request-timeout", "Request Timeout"};
    case 409:
      return {409, "conflict", "Conflict"};
    case 410:
      return {410, "gone", "Gone"};
    case 411:
      return {411, "length-required", "Length Required"};
    case 412:
      return {412, "precondition-failed", "Precondition Failed"};
    case 413:
      return {413, "payload-too-large", "Content Too Large"};
    case 414:
      return {414, "uri-too-long", "URI Too Long"};
    case 415:
      return {415, "unsupported-media-type", "Unsupported Media Type"};
    case 422:
      return {422, "validation-error", "Unprocessable Content"};
    case 423:
      return {423, "locked", "Locked"};
    case 429:
      return {429, "too-many-requests", "Too Many Requests"};
    case 431:
      return {431, "headers-too-large", "Request Header Fields Too Large"};
    case 501:
      return {501, "not-implemented", "Not Implemented"};
    case 503:
      return {503, "unavailable", "Service Unavailable"};
    case 504:
      return {504, "timeout", "Gateway Timeout"};
    case 505:
      return {505, "http-version-not-supported", "HTTP Version Not Supported"};
    default:
      return {500, "internal", "Internal Server Error"};
  }
}

// A full disk is an operator's to fix: minutes, not the second of a busy
// database.
constexpr int kStorageFullRetryAfterSeconds = 30;

// `code`: the stable code of a service failure's cause (common/public_error.h).
void Render(Response& out, int http_status, std::string_view detail, std::string_view request_id,
            const std::vector<FieldError>* fields, std::string_view code = {},
            const ProblemExtension* ext = nullptr) {
  Kind kind = KindFor(http_status);
  if (ext != nullptr && !ext->type.empty()) {
    kind.slug = ext->type;
    kind.title = ext->title;
  }
  boost::json::object o;
  o["type"] = std::string("urn:workspaced:problem:") + std::string(kind.slug);
  o["title"] = kind.title;
  o["status"] = http_status;
  // Valid UTF-8 whatever a client put in it (a path it sent is echoed).
  o["detail"] =
      Utf8Length(detail) ? std::string(detail) : BoundedText(detail, detail.size() * 4 + 8);
  o["instance"] = request_id;
  if (!code.empty()) o["code"] = code;
  if (fields != nullptr && !fields->empty()) {
    boost::json::array errors;
    for (const auto& f : ListedFieldErrors(*fields))
      errors.push_back({{"field", f.field}, {"detail", f.detail}});
    o["errors"] = std::move(errors);
  }
  if (ext != nullptr) {
    for (const ProblemMember& m : ext->members) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(m.json, ec);
      // The standard members are never overridden.
      if (!ec && !o.contains(m.name) && m.name != "errors") o[m.name] = std::move(v);
    }
  }
  out.status = http_status;
  out.headers.clear();  // nothing a failed handler set (ETag, Link…) survives
  out.content_type = "application/problem+json";
  out.body = boost::json::serialize(o);
  out.fixed_body = {};
  out.stream.reset();
}

}  // namespace

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kNotAcceptable:
      return 406;
    case Code::kConflict:
      return 409;
    case Code::kStaleVersion:
      return 412;
    case Code::kPayloadTooLarge:
      return 413;
    case Code::kUnsupportedMediaType:
      return 415;
    case Code::kUnprocessable:
      return 422;
    case Code::kFrozen:
      return 423;
    case Code::kUnavailable:
      return 503;
    case Code::kDeadlineExceeded:
      return 504;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

void SetProblem(Response& out, const Status& status, std::string_view request_id) {
  const int code = HttpStatusFor(status.code());
  if (IsServiceFailure(status.code())) {
    // The message is for the log (api.cc logs it with the request id).
    const PublicError shown = PublicErrorOf(status);
    std::string_view detail = shown.text;
    if (status.code() == Code::kInternal && status.cause() == Cause::kNone)
      detail = "internal error; quote the request id to the operator";
    Render(out, code, detail, request_id, nullptr, shown.code);
  } else {
    Render(out, code, status.message(), request_id, &status.field_errors(), {}, status.extension());
  }
  if (code == 401) out.SetHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  if (status.retry_after() > 0)
    out.SetHeader("Retry-After", std::to_string(status.retry_after()));
  else if (status.cause() == Cause::kStorageFull)
    out.SetHeader("Retry-After", std::to_string(kStorageFullRetryAfterSeconds));
  else if (code == 503)
    out.SetHeader("Retry-After", "1");
}

void SetProblem(Response& out, int http_status, std::string_view detail,
                std::string_view request_id) {
  Render(out, http_status, detail, request_id, nullptr);
}

void SetProblem(Response& out, int http_status, std::string_view detail,
                std::string_view request_id, std::string_view member,
                const std::vector<std::string_view>& values) {
  boost::json::array array;
  for (const std::string_view v : values) array.emplace_back(v);
  ProblemExtension extension;
  extension.members.push_back({std::string(member), boost::json::serialize(array)});
  Render(out, http_status, detail, request_id, nullptr, {}, &extension);
}

}  // namespace workspaced::http
