// Test-only: a gRPC SpiceDB endpoint in front of the embedded engine (whose
// own socket serves only the streaming calls): unary calls go through the
// engine's C functions, ReadRelationships through its socket. It insists on
// the preshared key, as a SpiceDB cluster does. Serve it with ServeForwarder.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "authzed/api/v1/permission_service.grpc.pb.h"
#include "authzed/api/v1/schema_service.grpc.pb.h"
#include "spicedb/client.h"
#include "spicedb/ids.h"
#include "spicedb/wire.h"

namespace workspaced::spicedb::testing {

namespace v1 = authzed::api::v1;

inline grpc::Status ToGrpc(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return {s.code() == Code::kUnavailable ? grpc::StatusCode::UNAVAILABLE
                                         : grpc::StatusCode::INVALID_ARGUMENT,
          s.message()};
}

// Test-only: unary calls forwarded to the engine through its C functions.
class Forwarder final : public v1::PermissionsService::Service, public v1::SchemaService::Service {
 public:
  Forwarder(Client& engine, std::string key) : engine_(engine), key_(std::move(key)) {}

  grpc::Status WriteSchema(grpc::ServerContext* ctx, const v1::WriteSchemaRequest* req,
                           v1::WriteSchemaResponse*) override {
    if (auto denied = Authorize(ctx); !denied.ok()) return denied;
    return ToGrpc(engine_.WriteSchema(req->schema()));
  }
  grpc::Status WriteRelationships(grpc::ServerContext* ctx,
                                  const v1::WriteRelationshipsRequest* req,
                                  v1::WriteRelationshipsResponse* resp) override {
    if (auto denied = Authorize(ctx); !denied.ok()) return denied;
    std::vector<Update> updates;
    for (const auto& u : req->updates()) {
      auto rel = FromWire(u.relationship());
      if (!rel.ok()) return ToGrpc(rel.status());
      updates.push_back({u.operation() == v1::RelationshipUpdate::OPERATION_TOUCH, *rel});
    }
    auto token = engine_.Write(updates);
    if (!token.ok()) return ToGrpc(token.status());
    resp->mutable_written_at()->set_token(*token);
    return grpc::Status::OK;
  }
  grpc::Status CheckPermission(grpc::ServerContext* ctx, const v1::CheckPermissionRequest* req,
                               v1::CheckPermissionResponse* resp) override {
    if (auto denied = Authorize(ctx); !denied.ok()) return denied;
    auto allowed = engine_.Check(
        req->resource().object_type(), *DecodeId(req->resource().object_id()), req->permission(),
        {req->subject().object().object_type(), *DecodeId(req->subject().object().object_id()),
         req->subject().optional_relation()});
    if (!allowed.ok()) return ToGrpc(allowed.status());
    resp->set_permissionship(*allowed ? v1::CheckPermissionResponse::PERMISSIONSHIP_HAS_PERMISSION
                                      : v1::CheckPermissionResponse::PERMISSIONSHIP_NO_PERMISSION);
    return grpc::Status::OK;
  }

  grpc::Status ReadRelationships(grpc::ServerContext* ctx, const v1::ReadRelationshipsRequest* req,
                                 grpc::ServerWriter<v1::ReadRelationshipsResponse>* out) override {
    if (auto denied = Authorize(ctx); !denied.ok()) return denied;
    return ToGrpc(engine_.ReadRelationships(req->relationship_filter().resource_type(),
                                            [&](const model::Relationship& r) {
                                              v1::ReadRelationshipsResponse resp;
                                              ToWire(r, *resp.mutable_relationship());
                                              return out->Write(resp);
                                            }));
  }

 private:
  grpc::Status Authorize(grpc::ServerContext* ctx) const {
    const auto it = ctx->client_metadata().find("authorization");
    if (it == ctx->client_metadata().end() ||
        std::string(it->second.data(), it->second.size()) != "Bearer " + key_)
      return {grpc::StatusCode::UNAUTHENTICATED, "bad preshared key"};
    return grpc::Status::OK;
  }
  Client& engine_;
  const std::string key_;
};

// Starts a gRPC server for `forwarder` on `endpoint` (e.g. unix:///tmp/x.sock).
inline std::unique_ptr<grpc::Server> ServeForwarder(Forwarder& forwarder,
                                                    const std::string& endpoint) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(endpoint, grpc::InsecureServerCredentials());
  builder.RegisterService(static_cast<v1::PermissionsService::Service*>(&forwarder));
  builder.RegisterService(static_cast<v1::SchemaService::Service*>(&forwarder));
  return builder.BuildAndStart();
}

}  // namespace workspaced::spicedb::testing
