// GET /portal/workspaces/{workspace_id}/permissions and
// GET /portal/accounts/{account_id}/permissions: what the caller may do on the
// object, {"read":true,"write":…,"administer":…} (and "reveal_secret":…, "detokenize":… on a
// workspace), so the portal shows only the controls that can work. A
// convenience only: every API call checks its own permission. Without read:
// 404, as the API answers.
#include <utility>
#include <vector>

#include "api/access.h"
#include "api/handlers/handlers.h"

namespace workspaced::api {
namespace {

class PortalPermissions final : public Handler {
 public:
  PortalPermissions(app::App& app, authz::ObjectType type) : app_(app), type_(type) {}
  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id =
        ctx.Param(type_ == authz::ObjectType::kAccount ? "account_id" : "workspace_id");
    WS_RETURN_IF_ERROR(Require(app_, ctx, type_, id, authz::Permission::kRead));
    std::string body = R"({"read":true)";
    std::vector<std::pair<const char*, authz::Permission>> asked = {
        {"write", authz::Permission::kWrite}, {"administer", authz::Permission::kAdminister}};
    if (type_ == authz::ObjectType::kWorkspace) {
      asked.emplace_back("reveal_secret", authz::Permission::kRevealSecret);
      asked.emplace_back("detokenize", authz::Permission::kDetokenize);
    }
    for (auto [name, p] : asked) {
      const authz::Decision d = app_.authorizer().Check(*ctx.principal, p, {type_, id});
      if (d == authz::Decision::kError)
        return AuthorizationUnavailable();
      body += std::string(",\"") + name + "\":" + (d == authz::Decision::kAllow ? "true" : "false");
    }
    out.Json(200, body + "}");
    return Status::Ok();
  }

 private:
  app::App& app_;
  authz::ObjectType type_;
};

}  // namespace

std::unique_ptr<Handler> MakePortalPermissions(app::App& app, authz::ObjectType type) {
  return std::make_unique<PortalPermissions>(app, type);
}

}  // namespace workspaced::api
