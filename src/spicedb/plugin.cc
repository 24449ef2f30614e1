// The module's entry point: libworkspaced_spicedb.so (plugin.h).
#include "spicedb/plugin.h"

#include "spicedb/embedded.h"
#include "spicedb/grpc_client.h"

namespace {

workspaced::StatusOr<std::unique_ptr<workspaced::spicedb::Client>> Open(
    const workspaced::spicedb::TransportRequest& request) {
  using namespace workspaced::spicedb;
  if (request.target == "embedded") {
    auto engine = StartEmbedded(request.library);
    if (!engine.ok()) return engine.status();
    return std::unique_ptr<Client>(std::move(engine).value());
  }
  if (request.target == "grpc") {
    GrpcOptions o;
    o.endpoint = request.endpoint;
    o.preshared_key = request.preshared_key;
    o.tls = request.tls;
    o.ca_pem = request.ca_pem;
    return ConnectGrpc(o);
  }
  return workspaced::InvalidArgument("spicedb: unknown target " + request.target);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) workspaced::spicedb::OpenTransportFn
workspaced_spicedb_open_transport_fn() {
  return &Open;
}
