// The dataplane of a process with cells: each workspace goes to its region's
// cell (a PostgreSQL dataplane, configuration `cells`), every other region to
// the embedded one. Ping asks the embedded one, then every cell.
//
// Thread-safety: as thread-safe as the dataplanes it routes to.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "dataplane/dataplane.h"

namespace workspaced::dataplane {

// Regions in `cells` go to their dataplane, every other one to `fallback`.
std::unique_ptr<Dataplane> NewRoutingDataplane(
    std::unique_ptr<Dataplane> fallback, std::map<std::string, std::unique_ptr<Dataplane>> cells);

}  // namespace workspaced::dataplane
