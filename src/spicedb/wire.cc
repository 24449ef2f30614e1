#include "spicedb/wire.h"

#include "spicedb/ids.h"

namespace workspaced::spicedb {
namespace {

namespace v1 = authzed::api::v1;

void SetObject(v1::ObjectReference* ref, std::string_view type, std::string_view id) {
  ref->set_object_type(std::string(type));
  ref->set_object_id(EncodeId(id));
}

}  // namespace

void ToWire(const model::Relationship& rel, v1::Relationship& r) {
  SetObject(r.mutable_resource(), rel.resource_type, rel.resource_id);
  r.set_relation(rel.relation);
  SetObject(r.mutable_subject()->mutable_object(), rel.subject_type, rel.subject_id);
  r.mutable_subject()->set_optional_relation(rel.subject_relation);
}

StatusOr<model::Relationship> FromWire(const v1::Relationship& r) {
  const auto resource_id = DecodeId(r.resource().object_id());
  const auto subject_id = DecodeId(r.subject().object().object_id());
  if (!resource_id || !subject_id) {
    return Internal("spicedb: a relationship with an id workspaced never writes: " +
                    r.resource().object_type() + ":" + r.resource().object_id() + "@" +
                    r.subject().object().object_type() + ":" + r.subject().object().object_id());
  }
  return model::Relationship{
      r.resource().object_type(),         *resource_id, r.relation(),
      r.subject().object().object_type(), *subject_id,  r.subject().optional_relation()};
}

void FillWrite(const std::vector<Update>& updates, v1::WriteRelationshipsRequest& req) {
  for (const Update& u : updates) {
    v1::RelationshipUpdate* up = req.add_updates();
    up->set_operation(u.touch ? v1::RelationshipUpdate::OPERATION_TOUCH
                              : v1::RelationshipUpdate::OPERATION_DELETE);
    ToWire(u.rel, *up->mutable_relationship());
  }
}

void FillCheck(std::string_view type, std::string_view id, std::string_view permission,
               const Subject& subject, v1::CheckPermissionRequest& req) {
  req.mutable_consistency()->set_fully_consistent(true);
  SetObject(req.mutable_resource(), type, id);
  req.set_permission(std::string(permission));
  SetObject(req.mutable_subject()->mutable_object(), subject.type, subject.id);
  req.mutable_subject()->set_optional_relation(subject.relation);
}

void FillLookup(std::string_view resource_type, std::string_view permission, const Subject& subject,
                v1::LookupResourcesRequest& req) {
  req.mutable_consistency()->set_fully_consistent(true);
  req.set_resource_object_type(std::string(resource_type));
  req.set_permission(std::string(permission));
  SetObject(req.mutable_subject()->mutable_object(), subject.type, subject.id);
  req.mutable_subject()->set_optional_relation(subject.relation);
}

StatusOr<bool> CheckAnswer(const v1::CheckPermissionResponse& resp) {
  switch (resp.permissionship()) {
    case v1::CheckPermissionResponse::PERMISSIONSHIP_HAS_PERMISSION:
      return true;
    case v1::CheckPermissionResponse::PERMISSIONSHIP_NO_PERMISSION:
      return false;
    default:
      return Internal("spicedb: unexpected permissionship " +
                      std::to_string(resp.permissionship()));
  }
}

}  // namespace workspaced::spicedb
