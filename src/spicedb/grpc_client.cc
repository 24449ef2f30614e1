#include "spicedb/grpc_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <optional>

#include "authzed/api/v1/permission_service.grpc.pb.h"
#include "authzed/api/v1/schema_service.grpc.pb.h"
#include "spicedb/ids.h"
#include "spicedb/wire.h"

namespace workspaced::spicedb {
namespace {

namespace v1 = authzed::api::v1;

Status FromGrpc(const grpc::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  const std::string message = "spicedb: " + std::string(what) + ": " + s.error_message() +
                              " (gRPC code " + std::to_string(static_cast<int>(s.error_code())) +
                              ")";
  switch (s.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
      return Unavailable(message);
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return InvalidArgument(message);
    default:
      return Internal(message);
  }
}

class Grpc final : public Client {
 public:
  Grpc(const GrpcOptions& o, std::shared_ptr<grpc::Channel> channel)
      : options_(o),
        permissions_(v1::PermissionsService::NewStub(channel)),
        schema_(v1::SchemaService::NewStub(channel)) {}

  Status WriteSchema(std::string_view text) override {
    v1::WriteSchemaRequest req;
    req.set_schema(std::string(text));
    v1::WriteSchemaResponse resp;
    grpc::ClientContext ctx;
    Prepare(ctx, 1);
    return FromGrpc(schema_->WriteSchema(&ctx, req, &resp), "WriteSchema");
  }

  StatusOr<std::string> Write(const std::vector<Update>& updates) override {
    v1::WriteRelationshipsRequest req;
    FillWrite(updates, req);
    v1::WriteRelationshipsResponse resp;
    grpc::ClientContext ctx;
    Prepare(ctx, 1);
    WS_RETURN_IF_ERROR(
        FromGrpc(permissions_->WriteRelationships(&ctx, req, &resp), "WriteRelationships"));
    return resp.written_at().token();
  }

  StatusOr<bool> Check(std::string_view type, std::string_view id, std::string_view permission,
                       const Subject& subject) override {
    v1::CheckPermissionRequest req;
    FillCheck(type, id, permission, subject, req);
    v1::CheckPermissionResponse resp;
    grpc::ClientContext ctx;
    Prepare(ctx, 1);
    WS_RETURN_IF_ERROR(
        FromGrpc(permissions_->CheckPermission(&ctx, req, &resp), "CheckPermission"));
    return CheckAnswer(resp);
  }

  Status ReadRelationships(std::string_view resource_type,
                           FunctionRef<bool(const model::Relationship&)> fn) override {
    v1::ReadRelationshipsRequest req;
    req.mutable_consistency()->set_fully_consistent(true);
    req.mutable_relationship_filter()->set_resource_type(std::string(resource_type));
    grpc::ClientContext ctx;
    Prepare(ctx, 10);
    return Drain<v1::ReadRelationshipsResponse>(
        ctx, *permissions_->ReadRelationships(&ctx, req),
        [&](const v1::ReadRelationshipsResponse& resp) -> StatusOr<bool> {
          WS_ASSIGN_OR_RETURN(model::Relationship rel, FromWire(resp.relationship()));
          return fn(rel);
        },
        "ReadRelationships");
  }

  Status LookupResources(std::string_view resource_type, std::string_view permission,
                         const Subject& subject,
                         FunctionRef<bool(const std::string& id)> fn) override {
    v1::LookupResourcesRequest req;
    FillLookup(resource_type, permission, subject, req);
    grpc::ClientContext ctx;
    Prepare(ctx, 10);
    return Drain<v1::LookupResourcesResponse>(
        ctx, *permissions_->LookupResources(&ctx, req),
        [&](const v1::LookupResourcesResponse& resp) -> StatusOr<bool> {
          const std::optional<std::string> id = DecodeId(resp.resource_object_id());
          if (!id)
            return Internal("spicedb: LookupResources gave an id workspaced never writes: " +
                            resp.resource_object_id());
          return fn(*id);
        },
        "LookupResources");
  }

 private:
  // Reads a server stream to its end, or until `each` (which decodes a
  // message and hands it on) returns false or an error: then the call is
  // cancelled, and its cancellation is no error.
  template <typename Response>
  static Status Drain(grpc::ClientContext& ctx, grpc::ClientReader<Response>& reader,
                      FunctionRef<StatusOr<bool>(const Response&)> each, std::string_view what) {
    Response resp;
    Status decoded = Status::Ok();
    while (reader.Read(&resp)) {
      StatusOr<bool> more = each(resp);
      if (!more.ok()) decoded = more.status();
      if (!more.ok() || !*more) {
        ctx.TryCancel();
        break;
      }
    }
    const grpc::Status finished = reader.Finish();
    WS_RETURN_IF_ERROR(decoded);
    if (finished.error_code() == grpc::StatusCode::CANCELLED) return Status::Ok();
    return FromGrpc(finished, what);
  }

  void Prepare(grpc::ClientContext& ctx, int timeout_factor) const {
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(options_.call_timeout_ms * timeout_factor));
    if (!options_.preshared_key.empty())
      ctx.AddMetadata("authorization", "Bearer " + options_.preshared_key);
  }

  const GrpcOptions options_;
  std::unique_ptr<v1::PermissionsService::Stub> permissions_;
  std::unique_ptr<v1::SchemaService::Stub> schema_;
};

}  // namespace

StatusOr<std::unique_ptr<Client>> ConnectGrpc(const GrpcOptions& options) {
  if (options.endpoint.empty()) return InvalidArgument("spicedb: the gRPC endpoint is empty");
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca_pem;
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  return std::unique_ptr<Client>(
      std::make_unique<Grpc>(options, grpc::CreateChannel(options.endpoint, creds)));
}

}  // namespace workspaced::spicedb
