// What a failure looks like outside the process: a stable code and a
// sentence that may be shown to anyone — clients (problem+json), the audit
// log, exports, a run's `error`. For client errors (4xx) that is the status's
// own message, written for the client; for failures of the service or a
// dependency it is the fixed text of its Cause (common/status.h), so a host,
// port, file name or SQL text in the message never leaves the log.
//
//   cause                      code                       text
//   kDatabaseUnavailable       database_unavailable       the service's database is unavailable
//   kDatabaseBusy              database_busy              the service's database is busy
//   kStorageFull               storage_full               the service's storage is full
//   kDataplaneUnreachable      dataplane_unreachable      the region's dataplane is unreachable
//   kDataplaneFailed           dataplane_failed           the region's dataplane failed
//   kAuthorizationUnavailable  authorization_unavailable  the authorization service is
//                                                         unavailable
//   kKeyUnavailable            key_unavailable            a key-encryption key is not available
//                                                         to this server
//   kInjected                  injected_failure           an injected failure (failpoint)
//   none, kInternal            internal                   internal error
//   none, kUnavailable         unavailable                temporarily unavailable
//   none, kDeadlineExceeded    timeout                    the operation timed out
//   none, a client error       e.g. not_found, conflict   the status's message
//
// Codes and texts never change once published (clients may branch on codes).
//
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"

namespace workspaced {

struct PublicError {
  std::string_view code;
  std::string_view text;  // may point into the status: keep the status alive
};

// True for the codes whose messages are for the log only.
bool IsServiceFailure(Code code);

PublicError PublicErrorOf(const Status& status);

}  // namespace workspaced
