// A SpiceDB that workspaced delivers relationships to and can ask: the real
// engine loaded in-process (embedded.h) now, a remote cluster over gRPC later.
// Relationships are given with workspaced's ids; implementations encode them
// for the wire (ids.h).
//
// Thread-safety: implementations are safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "common/status.h"
#include "model/model.h"

namespace workspaced::spicedb {

struct Update {
  bool touch = true;  // false: delete
  model::Relationship rel;
};

struct Subject {
  std::string type;
  std::string id;
  std::string relation;  // empty, or e.g. "member"
};

class Client {
 public:
  virtual ~Client() = default;
  virtual Status WriteSchema(std::string_view schema) = 0;
  // Applies `updates` atomically (TOUCH / DELETE); the ZedToken it returns.
  virtual StatusOr<std::string> Write(const std::vector<Update>& updates) = 0;
  // A fully consistent check of `permission` on type:id for the subject.
  virtual StatusOr<bool> Check(std::string_view type, std::string_view id,
                               std::string_view permission, const Subject& subject) = 0;
  // Every relationship whose resource is of `resource_type` (fully
  // consistent), with workspaced's ids, until `fn` returns false.
  virtual Status ReadRelationships(std::string_view resource_type,
                                   FunctionRef<bool(const model::Relationship&)> fn) = 0;
  // The id (workspaced's) of every object of `resource_type` on which the
  // subject has `permission` — a permission or a relation name — fully
  // consistent, in no particular order, until `fn` returns false.
  virtual Status LookupResources(std::string_view resource_type, std::string_view permission,
                                 const Subject& subject,
                                 FunctionRef<bool(const std::string& id)> fn) = 0;
};

}  // namespace workspaced::spicedb
