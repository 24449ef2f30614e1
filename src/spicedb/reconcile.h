// `workspaced authz reconcile`: makes SpiceDB hold exactly the relationships
// of the database, whatever happened to it (a restore, a manual edit, an
// in-memory engine that restarted empty).
//
// 1. One read snapshot of the database: every relationship, and the outbox
//    position it includes.
// 2. SpiceDB's relationships of every type of the schema (ReadRelationships).
// 3. TOUCH what SpiceDB lacks, DELETE what it has in excess, in batches of at
//    most 1000.
// 4. Changes committed after the snapshot are marked undelivered, so the
//    relay sends them again after the repair: whatever the relay delivered
//    while reconcile ran, SpiceDB ends in the database's state.
#pragma once

#include <string>
#include <vector>

#include "spicedb/client.h"
#include "store/store.h"

namespace workspaced::spicedb {

struct ReconcileReport {
  std::vector<model::Relationship> added;    // touched in SpiceDB
  std::vector<model::Relationship> removed;  // deleted from SpiceDB
};

// `types`: the schema's definitions (every resource type to compare).
// With dry_run, nothing is written anywhere; the report says what would be.
StatusOr<ReconcileReport> Reconcile(store::Store& store, Client& spicedb,
                                    const std::vector<std::string>& types, bool dry_run = false);

// "resource_type:id#relation@subject_type:id[#relation]", as SpiceDB prints.
std::string ToString(const model::Relationship& r);

}  // namespace workspaced::spicedb
