// The data vault pillar (docs/vault.md): POST …/vault/records, GET …/vault/
// records (a page), GET and DELETE …/vault/records/{record_id}, POST
// …/vault/detokenize under /v1/workspaces/{workspace_id}. Permissions: read
// (metadata, masked detokenize), write (create, delete), detokenize
// (values). Each handler parses, calls one operation of domain::Vault and
// renders; no value is rendered but by a detokenize with the permission.
#include <set>
#include <string>
#include <string_view>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/json_writer.h"
#include "api/pagination.h"
#include "api/vault_body.h"
#include "common/random.h"
#include "common/time_format.h"
#include "crypto/aead.h"

namespace workspaced::api {
namespace {

using authz::ObjectType;
using authz::Permission;

constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 100;

void Bool(JsonWriter& w, std::string_view key, bool v) {
  w.Key(key);
  w.RawValue(v ? "true" : "false");
}

void RecordJson(JsonWriter& w, const domain::VaultRecordInfo& r) {
  w.BeginObject();
  w.Field("id", r.id);
  w.Field("created_at", FormatRfc3339(r.created_at));
  w.Field("created_by", r.created_by);
  w.Key("fields");
  w.BeginObject();
  for (const auto& f : r.fields) {
    w.Key(f.name);
    w.BeginObject();
    w.Field("type", f.type);
    w.Field("token", f.token);
    Bool(w, "deterministic", f.deterministic);
    w.Field("mask", f.mask);
    w.EndObject();
  }
  w.EndObject();
  // Each field's token by name: the short form of the answer (PRODUCT.md).
  w.Key("tokens");
  w.BeginObject();
  for (const auto& f : r.fields) w.Field(f.name, f.token);
  w.EndObject();
  w.EndObject();
}

std::string RecordBody(const domain::VaultRecordInfo& r) {
  std::string out;
  JsonWriter w(out);
  RecordJson(w, r);
  return out;
}

class CreateVaultRecord final : public Handler {
 public:
  explicit CreateVaultRecord(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    // The body holds the values, whatever the answer: wiped as a secret's
    // PUT is (it was not; outside audit).
    out.sensitive = true;
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kWrite));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(domain::VaultWrite w, ParseVaultRecordBody(ctx.request.body));
    // A retry with the same Idempotency-Key answers the record it made;
    // the fingerprint kept is keyed: the body holds the values.
    const auto digest = [&](std::string_view message) {
      return app_.vault().CreateFingerprint(id, message, w);
    };
    const KeyedDigest keyed = digest;  // refers to `digest`, which outlives it
    const Status s = RunIdempotent(
        app_, ctx, out,
        [&](const Idempotency& idem) -> StatusOr<IdempotentResponse> {
          IdempotentResponse response;
          WS_RETURN_IF_ERROR(
              app_.vault()
                  .Create(ActorOf(ctx), id, w,
                          [&](store::Tx& tx, const domain::VaultRecordInfo& created) {
                            response = {201, RecordBody(created),
                                        "/v1/workspaces/" + id + "/vault/records/" + created.id,
                                        id};
                            return idem.Complete(tx, response);
                          })
                  .status());
          return response;
        },
        &keyed);
    for (auto& f : w.fields) crypto::Wipe(f.value);
    return s;
  }

 private:
  app::App& app_;
};

class GetVaultRecord final : public Handler {
 public:
  explicit GetVaultRecord(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kRead));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_ASSIGN_OR_RETURN(const auto r, app_.vault().Get(id, ctx.Param("record_id")));
    out.Json(200, RecordBody(r));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

// ?limit=1..100 (50; api/pagination.h ParseLimit) and ?after=<record id>
// (the `next` of the page before); 400 otherwise, and for any other
// parameter.
class ListVaultRecords final : public Handler {
 public:
  explicit ListVaultRecords(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kRead));
    WS_RETURN_IF_ERROR(RequireKnownQueryParams(ctx.request, {"limit", "after"}));
    WS_ASSIGN_OR_RETURN(const int limit, ParseLimit(ctx.request, kDefaultPage, kMaxPage));
    std::string after;
    if (const auto a = ctx.request.QueryParam("after")) {
      after = std::string(*a);
      if (!IsUuid(after))
        return InvalidArgument("after must be the `next` of a page (a record id)");
    }
    WS_ASSIGN_OR_RETURN(const auto page, app_.vault().ListPage(id, after, limit));
    std::string body;
    JsonWriter w(body);
    w.BeginObject();
    w.Key("records");
    w.BeginArray();
    for (const auto& r : page.records) RecordJson(w, r);
    w.EndArray();
    w.Key("next");
    if (page.next) {
      w.Value(*page.next);
    } else {
      w.Null();
    }
    w.EndObject();
    out.Json(200, std::move(body));
    // The next page as every other list of ours announces it, too. The
    // path is ours (the workspace id a UUID), the cursor a record id.
    if (page.next)
      out.SetHeader("Link", "<" + std::string(ctx.request.path) + "?limit=" +
                                std::to_string(limit) + "&after=" + *page.next + ">; rel=\"next\"");
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class DeleteVaultRecord final : public Handler {
 public:
  explicit DeleteVaultRecord(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kWrite));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(app_.vault().Delete(ActorOf(ctx), id, ctx.Param("record_id")));
    out.status = 204;
    return Status::Ok();
  }

 private:
  app::App& app_;
};

// Values to callers with `detokenize`, masks to other readers: one answer
// per token, `found` false for a token this workspace does not hold.
class Detokenize final : public Handler {
 public:
  explicit Detokenize(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kRead));
    const authz::Decision d = app_.authorizer().Check(*ctx.principal, Permission::kDetokenize,
                                                      {ObjectType::kWorkspace, id});
    if (d == authz::Decision::kError) return AuthorizationUnavailable();
    const bool with_values = d == authz::Decision::kAllow;
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(const auto tokens, ParseDetokenizeBody(ctx.request.body));
    WS_ASSIGN_OR_RETURN(auto results,
                        app_.vault().Detokenize(ActorOf(ctx), id, tokens, with_values));
    // Room for everything at worst (a value escaped \u00XX per byte, twice:
    // in its result and in "values"): the writer never grows the string,
    // which would leave a copy of the values in the freed block.
    std::size_t room = 128;
    for (const auto& r : results.answers)
      room += 512 + 2 * r.token.size() + r.mask.size() + (r.value ? 12 * r.value->size() : 0);
    std::string body;
    body.reserve(room);
    JsonWriter w(body);
    w.BeginObject();
    Bool(w, "values_shown", with_values);
    w.Key("results");
    w.BeginArray();
    for (auto& r : results.answers) {
      w.BeginObject();
      w.Field("token", r.token);
      Bool(w, "found", r.found);
      if (r.found) {
        w.Field("record_id", r.record_id);
        w.Field("field", r.field);
        w.Field("type", r.type);
        w.Field("mask", r.mask);
        if (r.value) w.Field("value", *r.value);  // wiped below, once in "values" too
      }
      w.EndObject();
    }
    w.EndArray();
    // The short form: each known token's value, or its mask.
    w.Key("values");
    w.BeginObject();
    std::set<std::string_view> listed;  // a token asked twice is one member
    for (auto& r : results.answers) {
      if (r.found && listed.insert(r.token).second) w.Field(r.token, r.value ? *r.value : r.mask);
      if (r.value) crypto::Wipe(*r.value);
    }
    w.EndObject();
    w.EndObject();
    out.SetHeader("Cache-Control", "no-store");
    out.Json(200, std::move(body));
    out.sensitive = with_values;                  // the transport wipes the body once it is sent
    ctx.answer_audit = std::move(results.audit);  // sent once the detokenization is recorded
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeCreateVaultRecord(app::App& app) {
  return std::make_unique<CreateVaultRecord>(app);
}
std::unique_ptr<Handler> MakeGetVaultRecord(app::App& app) {
  return std::make_unique<GetVaultRecord>(app);
}
std::unique_ptr<Handler> MakeListVaultRecords(app::App& app) {
  return std::make_unique<ListVaultRecords>(app);
}
std::unique_ptr<Handler> MakeDeleteVaultRecord(app::App& app) {
  return std::make_unique<DeleteVaultRecord>(app);
}
std::unique_ptr<Handler> MakeDetokenize(app::App& app) { return std::make_unique<Detokenize>(app); }

}  // namespace workspaced::api
