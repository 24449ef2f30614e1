// Whether a database's schema is whole: the check both backends run in
// Store::CheckIntegrity (a table dropped by hand, a restore of part of a
// dump, a connection string naming the wrong database).
//
// Thread-safety: uses the connection it is given, nothing else.
#pragma once

#include <string>

#include "common/status.h"
#include "store/sql.h"

namespace workspaced::store {

// "" when the schema is whole, else what is missing: a version older than
// `latest` (the newest migration this binary knows), or the tables it
// needs that are absent. A newer version is fine (a rolling upgrade: Migrate
// is what refuses to start on one). `conn` must be in a transaction.
StatusOr<std::string> SchemaGap(SqlConnection& conn, int applied, int latest);

}  // namespace workspaced::store
