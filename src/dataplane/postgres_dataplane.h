// Dataplanes in PostgreSQL cells: a region whose cell has a connection string
// (configuration `cells`) keeps its workspaces there. A `dedicated` workspace
// gets a schema of its own, `ws_<id>`; `shared` workspaces are rows of the
// cell's schema `shared`, their pillar data scoped by workspace id.
// Deprovision drops what Provision created (the schema, or the row).
// (dataplane/routing_dataplane.h sends each workspace to its region's cell.)
#pragma once

#include <map>
#include <memory>
#include <string>

#include "dataplane/dataplane.h"

namespace workspaced::dataplane {

// One cell: `conninfo` is a libpq connection string or postgres:// URI. Up
// to `connections` calls run at once, each on a connection of its own
// (opened when first needed; a call waits while every one is busy).
inline constexpr int kCellConnections = 4;
std::unique_ptr<Dataplane> NewPostgresDataplane(std::string conninfo,
                                                int connections = kCellConnections);

}  // namespace workspaced::dataplane
