#include "spicedb/embedded.h"

#include <dlfcn.h>

#include <boost/json.hpp>
#include <cstdint>
#include <mutex>

#include "authzed/api/v1/permission_service.pb.h"
#include "authzed/api/v1/schema_service.pb.h"
#include "spicedb/grpc_client.h"
#include "spicedb/wire.h"

namespace workspaced::spicedb {
namespace {

namespace v1 = authzed::api::v1;

// The library's C functions (its spicedb.def lists them).
using StartFn = char* (*)(const char* options_json);
using DisposeFn = char* (*)(std::uint64_t handle);
using FreeFn = void (*)(void*);
using CallFn = void (*)(std::uint64_t handle, const unsigned char* request, int request_len,
                        unsigned char** response, int* response_len, char** error);

struct Library {
  StartFn start = nullptr;
  DisposeFn dispose = nullptr;
  FreeFn free_string = nullptr;
  FreeFn free_bytes = nullptr;
  CallFn write_schema = nullptr;
  CallFn write_relationships = nullptr;
  CallFn check_permission = nullptr;
};

StatusOr<const Library*> Load(const std::string& path) {
  static std::mutex mu;
  static std::string loaded_path;
  static Library lib;
  std::lock_guard lock(mu);
  if (lib.start != nullptr) {
    if (path != loaded_path)
      return Unavailable("spicedb: cannot load " + path +
                         ": another engine library is already loaded (" + loaded_path + ")");
    return &lib;
  }
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Unavailable("spicedb: cannot load the engine library " + path + ": " +
                       (why ? why : "unknown error") +
                       " (install it with scripts/install-spicedb.sh)");
  }
  Library l;
  bool missing = false;
  auto sym = [&](const char* name) {
    void* p = ::dlsym(handle, name);
    missing = missing || p == nullptr;
    return p;
  };
  l.start = reinterpret_cast<StartFn>(sym("spicedb_start"));
  l.dispose = reinterpret_cast<DisposeFn>(sym("spicedb_dispose"));
  l.free_string = reinterpret_cast<FreeFn>(sym("spicedb_free"));
  l.free_bytes = reinterpret_cast<FreeFn>(sym("spicedb_free_bytes"));
  l.write_schema = reinterpret_cast<CallFn>(sym("spicedb_schema_write_schema"));
  l.write_relationships = reinterpret_cast<CallFn>(sym("spicedb_permissions_write_relationships"));
  l.check_permission = reinterpret_cast<CallFn>(sym("spicedb_permissions_check_permission"));
  if (missing) return Unavailable("spicedb: " + path + " lacks the engine's C functions");
  lib = l;
  loaded_path = path;
  return &lib;
}

class Embedded final : public EmbeddedClient {
 public:
  Embedded(const Library& lib, std::uint64_t handle, std::string endpoint,
           std::unique_ptr<Client> streaming)
      : lib_(lib),
        handle_(handle),
        endpoint_(std::move(endpoint)),
        streaming_(std::move(streaming)) {}

  const std::string& grpc_endpoint() const override { return endpoint_; }
  ~Embedded() override {
    // Close our connection to the engine's socket first: the engine waits
    // for open connections when it shuts down.
    streaming_.reset();
    if (char* r = lib_.dispose(handle_)) lib_.free_string(r);
  }

  Status WriteSchema(std::string_view schema) override {
    v1::WriteSchemaRequest req;
    req.set_schema(std::string(schema));
    v1::WriteSchemaResponse resp;
    return Call(lib_.write_schema, req, resp);
  }

  StatusOr<std::string> Write(const std::vector<Update>& updates) override {
    v1::WriteRelationshipsRequest req;
    FillWrite(updates, req);
    v1::WriteRelationshipsResponse resp;
    WS_RETURN_IF_ERROR(Call(lib_.write_relationships, req, resp));
    return resp.written_at().token();
  }

  StatusOr<bool> Check(std::string_view type, std::string_view id, std::string_view permission,
                       const Subject& subject) override {
    v1::CheckPermissionRequest req;
    FillCheck(type, id, permission, subject, req);
    v1::CheckPermissionResponse resp;
    WS_RETURN_IF_ERROR(Call(lib_.check_permission, req, resp));
    return CheckAnswer(resp);
  }

  // The engine serves its streaming calls on its own socket, over gRPC.
  Status ReadRelationships(std::string_view resource_type,
                           FunctionRef<bool(const model::Relationship&)> fn) override {
    return streaming_->ReadRelationships(resource_type, fn);
  }
  Status LookupResources(std::string_view resource_type, std::string_view permission,
                         const Subject& subject,
                         FunctionRef<bool(const std::string& id)> fn) override {
    return streaming_->LookupResources(resource_type, permission, subject, fn);
  }

 private:
  Status Call(CallFn fn, const google::protobuf::Message& req, google::protobuf::Message& resp) {
    const std::string bytes = req.SerializeAsString();
    unsigned char* out = nullptr;
    int out_len = 0;
    char* error = nullptr;
    fn(handle_, reinterpret_cast<const unsigned char*>(bytes.data()),
       static_cast<int>(bytes.size()), &out, &out_len, &error);
    if (error != nullptr) {
      std::string message = error;
      lib_.free_string(error);
      if (out != nullptr) lib_.free_bytes(out);
      return Unavailable("spicedb: " + message);
    }
    const bool parsed = out_len == 0 || resp.ParseFromArray(out, out_len);
    if (out != nullptr) lib_.free_bytes(out);
    if (!parsed) return Internal("spicedb: the engine's response does not parse");
    return Status::Ok();
  }

  const Library& lib_;
  const std::uint64_t handle_;
  const std::string endpoint_;
  std::unique_ptr<Client> streaming_;  // gRPC to the engine's streaming socket
};

}  // namespace

StatusOr<std::unique_ptr<EmbeddedClient>> StartEmbedded(const std::string& library_path) {
  WS_ASSIGN_OR_RETURN(const Library* lib, Load(library_path));
  char* raw = lib->start(R"({"datastore":"memory"})");
  if (raw == nullptr) return Unavailable("spicedb: the engine did not answer spicedb_start");
  const std::string text = raw;
  lib->free_string(raw);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  if (o == nullptr) return Unavailable("spicedb: spicedb_start answered " + text);
  const boost::json::value* success = o->if_contains("success");
  if (success == nullptr || !success->is_bool() || !success->as_bool()) {
    const boost::json::value* error = o->if_contains("error");
    return Unavailable("spicedb: the engine did not start: " +
                       (error && error->is_string() ? std::string(error->as_string()) : text));
  }
  const boost::json::value* handle = nullptr;
  const boost::json::value* address = nullptr;
  const boost::json::value* transport = nullptr;
  if (const boost::json::value* data = o->if_contains("data"); data && data->is_object()) {
    handle = data->as_object().if_contains("handle");
    address = data->as_object().if_contains("streaming_address");
    transport = data->as_object().if_contains("streaming_transport");
  }
  if (handle == nullptr || !handle->is_number() || address == nullptr || !address->is_string())
    return Unavailable("spicedb: spicedb_start gave no handle or streaming address: " + text);
  GrpcOptions streaming;
  const std::string where(address->as_string());
  const bool unix_socket =
      transport == nullptr || !transport->is_string() || transport->as_string() == "unix";
  streaming.endpoint = unix_socket ? "unix://" + where : where;
  WS_ASSIGN_OR_RETURN(auto stream_client, ConnectGrpc(streaming));
  return std::unique_ptr<EmbeddedClient>(std::make_unique<Embedded>(
      *lib, handle->to_number<std::uint64_t>(), streaming.endpoint, std::move(stream_client)));
}

}  // namespace workspaced::spicedb
