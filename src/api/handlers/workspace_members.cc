// A workspace's members and group mappings:
//   GET    /v1/workspaces/{workspace_id}/members            read
//   PUT    /v1/workspaces/{workspace_id}/members/{subject}  administer
//   DELETE /v1/workspaces/{workspace_id}/members/{subject}  administer
//   PUT    /v1/workspaces/{workspace_id}/group-mappings     administer
// Removing or demoting the last direct admin answers 409. Every change is
// audited in its own transaction.
#include <algorithm>
#include <boost/json.hpp>

#include "api/access.h"
#include "api/audit.h"
#include "api/handlers/handlers.h"
#include "api/handlers/management_body.h"
#include "api/json_views.h"
#include "model/relationships.h"

namespace workspaced::api {
namespace {

using model::WorkspaceRole;

class ListWorkspaceMembers final : public Handler {
 public:
  explicit ListWorkspaceMembers(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kRead));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    std::vector<model::WorkspaceMember> members;
    WS_RETURN_IF_ERROR(app_.store().Read([&](store::Tx& tx) -> Status {
      WS_ASSIGN_OR_RETURN(members, tx.ListWorkspaceMembers(id));
      return Status::Ok();
    }));
    std::string body = "[";
    for (const auto& m : members) {
      if (body.size() > 1) body += ",";
      body += MemberJson(m.subject, model::ToString(m.role), m.created_at);
    }
    out.Json(200, body + "]");
    return Status::Ok();
  }

 private:
  app::App& app_;
};

class ChangeWorkspaceMember final : public Handler {
 public:
  ChangeWorkspaceMember(app::App& app, bool remove) : app_(app), remove_(remove) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    const std::string& subject = ctx.Param("subject");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kAdminister));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    WS_RETURN_IF_ERROR(ValidateSubject(subject));
    std::optional<WorkspaceRole> role;
    if (!remove_) {
      WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
      WS_ASSIGN_OR_RETURN(const std::string name,
                          ParseRoleBody(ctx.request.body, {"admin", "member", "viewer"}));
      role = model::ParseWorkspaceRole(name);
    } else if (!ctx.request.body.empty()) {
      return InvalidArgument("this endpoint takes no request body");
    }
    model::WorkspaceMember result{id, subject, WorkspaceRole::kViewer, 0};
    int status = 200;
    WS_RETURN_IF_ERROR(app_.store().Write([&](store::Tx& tx) -> Status {
      const Micros now = app_.clock().Now();
      WS_ASSIGN_OR_RETURN(const auto members, tx.ListWorkspaceMembers(id));
      WS_ASSIGN_OR_RETURN(const auto change,
                          PlanMemberChange<WorkspaceRole>(members, subject, role, "workspace"));
      const std::optional<WorkspaceRole> previous = change.previous;
      result.created_at = change.created_at;
      if (remove_) {
        WS_RETURN_IF_ERROR(tx.DeleteWorkspaceMember(id, subject));
      } else {
        if (!previous) result.created_at = now;
        result.role = *role;
        status = previous ? 200 : 201;
        WS_RETURN_IF_ERROR(tx.PutWorkspaceMember(result));
      }
      model::AuditEvent e = RequestAuditEvent(ctx, now, remove_ ? "member.delete" : "member.put",
                                              "workspace_member", subject, id);
      boost::json::object details;
      if (role) details["role"] = model::ToString(*role);
      if (previous) details["previous_role"] = model::ToString(*previous);
      e.details = boost::json::serialize(details);
      return tx.AppendAudit(e);
    }));
    if (remove_) {
      out.status = 204;
      return Status::Ok();
    }
    out.Json(status, MemberJson(result.subject, model::ToString(result.role), result.created_at));
    return Status::Ok();
  }

 private:
  app::App& app_;
  bool remove_;
};

class PutGroupMappings final : public Handler {
 public:
  explicit PutGroupMappings(app::App& app) : app_(app) {}

  Status Handle(RequestContext& ctx, http::Response& out) override {
    const std::string& id = ctx.Param("workspace_id");
    WS_RETURN_IF_ERROR(
        Require(app_, ctx, authz::ObjectType::kWorkspace, id, authz::Permission::kAdminister));
    if (!ctx.request.query.empty())
      return InvalidArgument("this endpoint takes no query parameters");
    WS_RETURN_IF_ERROR(RequireJsonBody(ctx.request));
    WS_ASSIGN_OR_RETURN(auto mappings, ParseGroupMappingsBody(ctx.request.body));
    model::Workspace ws;
    WS_RETURN_IF_ERROR(app_.store().Write([&](store::Tx& tx) -> Status {
      const Micros now = app_.clock().Now();
      WS_ASSIGN_OR_RETURN(ws, tx.GetWorkspace(id));
      boost::json::array before;
      for (const auto& g : ws.group_mappings)
        before.push_back({{"group_name", g.group_name}, {"role", model::ToString(g.role)}});
      // Once write_relationships has run, the relationships follow the
      // mappings here; before it, that step writes the mappings it finds.
      const bool configured = ws.phase == model::ProvisioningPhase::kWorkspaceConfigured ||
                              ws.phase == model::ProvisioningPhase::kReady;
      if (configured) {
        std::vector<model::Relationship> gone, added;
        for (const auto& g : ws.group_mappings)
          if (std::find(mappings.begin(), mappings.end(), g) == mappings.end())
            gone.push_back(model::GroupMappingRelationship(id, g));
        for (const auto& g : mappings)
          if (std::find(ws.group_mappings.begin(), ws.group_mappings.end(), g) ==
              ws.group_mappings.end())
            added.push_back(model::GroupMappingRelationship(id, g));
        if (!gone.empty()) WS_RETURN_IF_ERROR(tx.DeleteRelationships(gone));
        if (!added.empty()) WS_RETURN_IF_ERROR(tx.TouchRelationships(added));
      }
      ws.group_mappings = mappings;
      ws.version += 1;
      ws.updated_at = now;
      ws.updated_by = ctx.principal->subject;
      WS_RETURN_IF_ERROR(tx.UpdateWorkspace(ws));
      boost::json::array after;
      for (const auto& g : ws.group_mappings)
        after.push_back({{"group_name", g.group_name}, {"role", model::ToString(g.role)}});
      model::AuditEvent e =
          RequestAuditEvent(ctx, now, "workspace.group_mappings.put", "workspace", id, id);
      e.details = boost::json::serialize(boost::json::object{{"before", before}, {"after", after}});
      return tx.AppendAudit(e);
    }));
    out.SetHeader("ETag", WorkspaceEtag(ws));
    out.Json(200, WorkspaceJson(ws));
    return Status::Ok();
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<Handler> MakeListWorkspaceMembers(app::App& app) {
  return std::make_unique<ListWorkspaceMembers>(app);
}
std::unique_ptr<Handler> MakePutWorkspaceMember(app::App& app) {
  return std::make_unique<ChangeWorkspaceMember>(app, false);
}
std::unique_ptr<Handler> MakeDeleteWorkspaceMember(app::App& app) {
  return std::make_unique<ChangeWorkspaceMember>(app, true);
}
std::unique_ptr<Handler> MakePutGroupMappings(app::App& app) {
  return std::make_unique<PutGroupMappings>(app);
}

}  // namespace workspaced::api
