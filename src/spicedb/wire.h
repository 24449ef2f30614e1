// Between workspaced's relationships and authzed.api.v1 messages, with ids
// encoded for SpiceDB (ids.h). Internal to src/spicedb (it pulls in the
// generated protobuf headers).
#pragma once

#include <string_view>
#include <vector>

#include "authzed/api/v1/permission_service.pb.h"
#include "spicedb/client.h"

namespace workspaced::spicedb {

void ToWire(const model::Relationship& rel, authzed::api::v1::Relationship& out);
// kInternal when an id is not one ids.h produces.
StatusOr<model::Relationship> FromWire(const authzed::api::v1::Relationship& rel);
void FillWrite(const std::vector<Update>& updates,
               authzed::api::v1::WriteRelationshipsRequest& req);
// A fully consistent check.
void FillCheck(std::string_view type, std::string_view id, std::string_view permission,
               const Subject& subject, authzed::api::v1::CheckPermissionRequest& req);
StatusOr<bool> CheckAnswer(const authzed::api::v1::CheckPermissionResponse& resp);
// A fully consistent lookup.
void FillLookup(std::string_view resource_type, std::string_view permission, const Subject& subject,
                authzed::api::v1::LookupResourcesRequest& req);

}  // namespace workspaced::spicedb
