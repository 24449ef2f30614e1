#include "common/public_error.h"

namespace workspaced {
namespace {

PublicError OfCause(Cause cause) {
  switch (cause) {
    case Cause::kNone:
      break;
    case Cause::kDatabaseUnavailable:
      return {"database_unavailable", "the service's database is unavailable"};
    case Cause::kDatabaseBusy:
      return {"database_busy", "the service's database is busy"};
    case Cause::kStorageFull:
      return {"storage_full", "the service's storage is full"};
    case Cause::kDataplaneUnreachable:
      return {"dataplane_unreachable", "the region's dataplane is unreachable"};
    case Cause::kDataplaneFailed:
      return {"dataplane_failed", "the region's dataplane failed"};
    case Cause::kAuthorizationUnavailable:
      return {"authorization_unavailable", "the authorization service is unavailable"};
    case Cause::kKeyUnavailable:
      return {"key_unavailable", "a key-encryption key is not available to this server"};
    case Cause::kInjected:
      return {"injected_failure", "an injected failure (failpoint)"};
  }
  return {};
}

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kNotFound:
      return "not_found";
    case Code::kNotAcceptable:
      return "not_acceptable";
    case Code::kConflict:
      return "conflict";
    case Code::kStaleVersion:
      return "stale_version";
    case Code::kPayloadTooLarge:
      return "payload_too_large";
    case Code::kUnsupportedMediaType:
      return "unsupported_media_type";
    case Code::kUnprocessable:
      return "unprocessable";
    case Code::kFrozen:
      return "frozen";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kDeadlineExceeded:
      return "timeout";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace

bool IsServiceFailure(Code code) {
  return code == Code::kInternal || code == Code::kUnavailable || code == Code::kDeadlineExceeded;
}

PublicError PublicErrorOf(const Status& status) {
  if (status.cause() != Cause::kNone) return OfCause(status.cause());
  switch (status.code()) {
    case Code::kInternal:
      return {"internal", "internal error"};
    case Code::kUnavailable:
      return {"unavailable", "temporarily unavailable"};
    case Code::kDeadlineExceeded:
      return {"timeout", "the operation timed out"};
    default:
      return {CodeName(status.code()), status.message()};
  }
}

}  // namespace workspaced
