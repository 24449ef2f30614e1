// Expected failures as values. Every fallible operation in workspaced returns a
// Status or a StatusOr<T>; the HTTP layer maps codes to problem responses in
// one place (http/problem.cc). Exceptions are reserved for bugs.
//
// Thread-safety: plain values; copy freely.
#pragma once

#include <cassert>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace workspaced {

enum class Code {
  kOk = 0,
  kInvalidArgument,       // malformed request (400)
  kUnauthenticated,       // missing or bad credentials (401)
  kPermissionDenied,      // authenticated but not allowed (403)
  kNotFound,              // (404)
  kNotAcceptable,         // (406)
  kConflict,              // state conflict, e.g. duplicate or wrong status (409)
  kStaleVersion,          // the caller's If-Match names an older version (412)
  kPayloadTooLarge,       // (413)
  kUnsupportedMediaType,  // request body of a type the endpoint does not take (415)
  kUnprocessable,         // semantically invalid body, field errors (422)
  kFrozen,                // the workspace is frozen: read-only (423)
  kUnavailable,           // dependency down; safe to retry (503)
  kDeadlineExceeded,      // (504)
  kInternal,              // bug or unexpected environment failure (500)
};

// What may be said outside the process about a failure of the service or
// of a dependency (codes kInternal, kUnavailable, kDeadlineExceeded): such a
// status's message may name hosts, ports, files or SQL and is for the log
// only; clients, the audit log and exports see the stable code and fixed
// sentence of its cause instead (common/public_error.h). Set where the
// failure is classified: the store, the dataplanes, the authorizer's callers.
enum class Cause : unsigned char {
  kNone = 0,                  // nothing more precise than the status code
  kDatabaseUnavailable,       // the service's own database cannot be reached
  kDatabaseBusy,              // it is locked or its transactions conflict
  kStorageFull,               // a write found no space (SQLITE_FULL, ENOSPC, 53100)
  kDataplaneUnreachable,      // a region's dataplane cell cannot be reached
  kDataplaneFailed,           // a region's dataplane answered with an error
  kAuthorizationUnavailable,  // permissions cannot be evaluated now
  kKeyUnavailable,            // a key-encryption key is not among this server's key files
  kInjected,                  // a failpoint (tests)
};

// One invalid field of a request body, reported in a 422 problem.
struct FieldError {
  std::string field;   // JSON pointer-ish path, e.g. "name" or "labels.team"
  std::string detail;  // human-readable, safe to show a client
};

// An extension member of a problem response (RFC 9457 §3.2): its name and
// its value as JSON text (written by our own code, so always valid JSON).
struct ProblemMember {
  std::string name;
  std::string json;
};

// What makes a problem more specific than its code's: its own type
// ("urn:workspaced:problem:<type>") and title, and the members that type
// defines (e.g. quota-exceeded's limit, allowed, current).
struct ProblemExtension {
  std::string type;
  std::string title;
  std::vector<ProblemMember> members;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Safe to show a client for client errors (4xx): never put internal
  // details (SQL, paths, hosts) in those. The messages of kInternal,
  // kUnavailable and kDeadlineExceeded are logged, never shown: what is shown
  // is their Cause (common/public_error.h).
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& field_errors() const { return fields_; }
  // The same status said another way (a surface's own words for it).
  Status& WithMessage(std::string message) {
    message_ = std::move(message);
    return *this;
  }

  Status& WithField(std::string field, std::string detail) {
    fields_.push_back({std::move(field), std::move(detail)});
    return *this;
  }
  Status& WithFields(std::vector<FieldError> fields) {
    fields_ = std::move(fields);
    return *this;
  }
  // Seconds after which a retry may succeed (Retry-After), 0 when unknown.
  int retry_after() const { return retry_after_; }
  Status& WithRetryAfter(int seconds) {
    retry_after_ = seconds;
    return *this;
  }
  Cause cause() const { return cause_; }
  Status& WithCause(Cause cause) {
    cause_ = cause;
    return *this;
  }
  // A problem type of its own (the HTTP status stays the code's).
  Status& WithProblemType(std::string type, std::string title) {
    ProblemExtension e = ext_ ? *ext_ : ProblemExtension{};
    e.type = std::move(type);
    e.title = std::move(title);
    ext_ = std::make_shared<const ProblemExtension>(std::move(e));
    return *this;
  }
  // An extension member; `json` is the value's JSON text.
  Status& WithMember(std::string name, std::string json) {
    ProblemExtension e = ext_ ? *ext_ : ProblemExtension{};
    e.members.push_back({std::move(name), std::move(json)});
    ext_ = std::make_shared<const ProblemExtension>(std::move(e));
    return *this;
  }
  // Null unless WithProblemType or WithMember was called.
  const ProblemExtension* extension() const { return ext_.get(); }
  void IgnoreError() const {}

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<FieldError> fields_;
  int retry_after_ = 0;
  Cause cause_ = Cause::kNone;
  // Rare, so kept out of line: an OK Status stays small and cheap to copy.
  std::shared_ptr<const ProblemExtension> ext_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status Unprocessable(std::string m) { return {Code::kUnprocessable, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
// A failed file-system call that set errno `error`: a full disk (ENOSPC,
// EDQUOT) is kUnavailable with cause kStorageFull, worth waiting for;
// anything else kInternal.
inline Status FileSystemError(std::string m, int error) {
  if (error == ENOSPC || error == EDQUOT)
    return Unavailable(std::move(m)).WithCause(Cause::kStorageFull);
  return Internal(std::move(m));
}

// A value or the Status explaining its absence.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "StatusOr built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace workspaced

// Propagates a non-OK Status from an expression.
#define WS_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::workspaced::Status ws_status_ = (expr); \
    if (!ws_status_.ok()) return ws_status_;  \
  } while (0)

#define WS_CONCAT_INNER_(a, b) a##b
#define WS_CONCAT_(a, b) WS_CONCAT_INNER_(a, b)
// Declares `lhs` from a StatusOr expression or returns its Status.
#define WS_ASSIGN_OR_RETURN(lhs, expr)                                                    \
  auto WS_CONCAT_(ws_sor_, __LINE__) = (expr);                                            \
  if (!WS_CONCAT_(ws_sor_, __LINE__).ok()) return WS_CONCAT_(ws_sor_, __LINE__).status(); \
  lhs = std::move(WS_CONCAT_(ws_sor_, __LINE__)).value()
