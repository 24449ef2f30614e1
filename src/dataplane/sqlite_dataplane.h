// The embedded dataplane: under <root>/<region>/, a `dedicated` workspace gets
// its own SQLite database <workspace id>.db; `shared` workspaces are rows of
// shared.db, their pillar data scoped by workspace id.
#pragma once

#include <memory>
#include <string>

#include "dataplane/dataplane.h"

namespace workspaced::dataplane {

std::unique_ptr<Dataplane> NewSqliteDataplane(std::string root);

}  // namespace workspaced::dataplane
