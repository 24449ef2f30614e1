// The secrets pillar (docs/secrets.md): PUT, GET (list, one), reveal and
// DELETE under /v1/workspaces/{workspace_id}/secrets. Permissions: read
// (metadata), write (PUT, DELETE), reveal_secret (a value). Each handler
// parses, calls one operation of domain::Secrets and renders; no value is
// ever rendered but by reveal.
#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/json_body.h"
#include "api/json_writer.h"
#include "api/pagination.h"
#include "api/secret_body.h"
#include "common/time_format.h"

namespace workspaced::api {
namespace json = boost::json;
namespace {

using authz::ObjectType;
using authz::Permission;

std::string SecretJson(const domain::SecretInfo& s) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Field("name", s.name);
  w.Field("latest_version", s.versions.empty() ? std::int64_t{0} : s.versions.back().version);
  w.Key("versions");
  w.BeginArray();
  for (const auto& v : s.versions) {
    w.BeginObject();
    w.Field("version", v.version);
    if (v.environment.empty()) {
      w.Key("environment");
      w.Null();
    } else {
      w.Field("environment", v.environment);
    }
    w.Field("description", v.description);
    w.Field("created_at", FormatRfc3339(v.created_at));
    w.Field("created_by", v.created_by);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

class PutSecret final : public Handler {
 public:
  explicit PutSecret(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    out.sensitive = true;  // the body holds the value, whatever the answer
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kWrite));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(domain::SecretWrite w, ParseSecretPutBody(ctx.request.body, ctx.Param("name")));
    StatusOr<domain::Secrets::Written> s = app_.secrets().Put(ActorOf(ctx), id, w);
    crypto::Wipe(w.value);
    if (!s.ok()) return s.status();
    out.Json(s->created ? 201 : 200, SecretJson(s->secret));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

// Paged like every list (api/pagination.h): by name, ?limit=1..1000 (100)
// and the Link header's cursor, which holds the last name of the page.
class ListSecrets final : public Handler {
 public:
  explicit ListSecrets(app::App& app) : app_(app), cursors_(app.cursor_key()) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kRead));
    const std::string scope = "secrets:" + id;
    WS_ASSIGN_OR_RETURN(const store::Page page,
                        ParsePagePosition(ctx.request, cursors_, scope, 100, 1000));
    if (!page.after.empty() && !domain::IsSecretName(page.after))
      return Internal("a secrets cursor holds no secret name");  // only we sign cursors
    WS_ASSIGN_OR_RETURN(auto secrets, app_.secrets().List(id, page.after, page.limit + 1));
    if (static_cast<int>(secrets.size()) > page.limit) {
      secrets.resize(static_cast<std::size_t>(page.limit));
      SetNextLink(out, ctx.request.path, page.limit, cursors_, scope, secrets.back().name);
    }
    std::string body = "[";
    for (const auto& s : secrets) {
      if (body.size() > 1) body += ',';
      body += SecretJson(s);
    }
    body += ']';
    out.Json(200, std::move(body));
    return Status::Ok();
  }

 private:
  app::App& app_;
  const CursorCodec cursors_;
};

class GetSecret final : public Handler {
 public:
  explicit GetSecret(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kRead));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_ASSIGN_OR_RETURN(const auto s, app_.secrets().Get(id, ctx.Param("name")));
    out.Json(200, SecretJson(s));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class RevealSecret final : public Handler {
 public:
  explicit RevealSecret(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kRevealSecret));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    std::optional<std::int64_t> version;
    if (!ctx.request.body.empty()) {
      WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
      WS_ASSIGN_OR_RETURN(const json::object o, ParseJsonObjectBody(ctx.request.body, /*max_depth=*/4));
      std::vector<FieldError> errors;
      for (const auto& [k, v] : o) {
        if (k != "version") {
          errors.push_back({std::string(k), "is not a field of this request"});
        } else if (!v.is_int64() || v.as_int64() < 1) {
          errors.push_back({"version", "must be a positive integer"});
        } else {
          version = v.as_int64();
        }
      }
      if (!errors.empty())
        return Status(Code::kUnprocessable, "the request body is not valid").WithFields(errors);
    }
    WS_ASSIGN_OR_RETURN(domain::RevealedSecret r,
                        app_.secrets().Reveal(ActorOf(ctx), id, ctx.Param("name"), version));
    // Room for the value escaped at worst (\u00XX per byte): the writer never
    // grows the string, which would leave a copy in the freed block.
    std::string body;
    body.reserve(r.value.size() * 6 + r.name.size() + 64);
    JsonWriter w(body);
    w.BeginObject();
    w.Field("name", r.name);
    w.Field("version", r.version);
    w.Field("value", r.value);
    w.EndObject();
    crypto::Wipe(r.value);
    out.sensitive = true;  // the transport wipes the body once it is sent
    out.SetHeader("Cache-Control", "no-store");
    out.Json(200, std::move(body));
    ctx.answer_audit = std::move(r.audit);  // sent once the reveal is recorded
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class DeleteSecret final : public Handler {
 public:
  explicit DeleteSecret(app::App& app) : app_(app) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, ObjectType::kWorkspace, id, Permission::kWrite));
    WS_RETURN_IF_ERROR(RequireNoQuery(ctx.request));
    WS_RETURN_IF_ERROR(app_.secrets().Delete(ActorOf(ctx), id, ctx.Param("name")));
    out.status = 204;
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakePutSecret(app::App& app) { return std::make_unique<PutSecret>(app); }
std::unique_ptr<Handler> MakeListSecrets(app::App& app) {
  return std::make_unique<ListSecrets>(app);
}
std::unique_ptr<Handler> MakeGetSecret(app::App& app) { return std::make_unique<GetSecret>(app); }
std::unique_ptr<Handler> MakeRevealSecret(app::App& app) {
  return std::make_unique<RevealSecret>(app);
}
std::unique_ptr<Handler> MakeDeleteSecret(app::App& app) {
  return std::make_unique<DeleteSecret>(app);
}

}  // namespace workspaced::api
