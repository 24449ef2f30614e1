// A SpiceDB reached over gRPC (authzed.api.v1): a production cluster, or the
// embedded engine's own socket. Every call carries the preshared key as
// `authorization: Bearer <key>` metadata when one is given; TLS with the
// system's roots or a given CA bundle.
#pragma once

#include <memory>
#include <string>

#include "spicedb/client.h"

namespace workspaced::spicedb {

struct GrpcOptions {
  std::string endpoint;       // host:port, or unix:///path/to/socket
  std::string preshared_key;  // empty: no authorization metadata
  bool tls = false;
  std::string ca_pem;            // with tls: trusted roots (PEM); empty: the system's
  int call_timeout_ms = 10'000;  // per unary call; a stream gets ten times this
};

// The connection is made lazily; an unreachable endpoint shows up as
// kUnavailable on the first call.
StatusOr<std::unique_ptr<Client>> ConnectGrpc(const GrpcOptions& options);

}  // namespace workspaced::spicedb
