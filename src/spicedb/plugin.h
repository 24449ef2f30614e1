// The SpiceDB transports (the embedded engine, gRPC) live in a module of
// their own, libworkspaced_spicedb.so, loaded with dlopen only when
// configuration `spicedb.target` asks for one: a server that does not talk
// to SpiceDB never maps gRPC, protobuf and their dependencies (several
// megabytes of resident memory).
//
// The module and the binary are built together from this tree: the entry
// point passes C++ types across, which is fine for one build.
#pragma once

#include <memory>
#include <string>

#include "spicedb/client.h"

namespace workspaced::spicedb {

struct TransportRequest {
  std::string target;    // embedded | grpc
  std::string library;   // embedded: the engine's shared library
  std::string endpoint;  // grpc
  std::string preshared_key;
  bool tls = true;
  std::string ca_pem;
};

// Loads the module (once; next to the running binary, or
// $WORKSPACED_SPICEDB_PLUGIN) and opens the transport.
StatusOr<std::unique_ptr<Client>> OpenTransport(const TransportRequest& request);

// The module's entry point (plugin.cc) hands out this function.
using OpenTransportFn = StatusOr<std::unique_ptr<Client>> (*)(const TransportRequest&);

}  // namespace workspaced::spicedb
