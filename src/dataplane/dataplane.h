// A workspace's isolated store in its region's cell, where the pillars
// (secrets, files, vault, logs, apps, coderunners) will keep their data.
// The provisioning saga's `provision_dataplane` step calls Provision, its
// compensation Deprovision.
//
// Both are idempotent (a step may run again after a crash) and durable when
// they return OK.
//
// Thread-safety: implementations are safe from any thread.
#pragma once

#include "common/status.h"
#include "model/model.h"

namespace workspaced::dataplane {

class Dataplane {
 public:
  virtual ~Dataplane() = default;
  // Creates the workspace's store (dedicated) or its share of the region's
  // shared store. OK when it already exists.
  virtual Status Provision(const model::Workspace& ws) = 0;
  // Removes what Provision created. OK when nothing is there.
  virtual Status Deprovision(const model::Workspace& ws) = 0;
  virtual StatusOr<bool> Exists(const model::Workspace& ws) = 0;
  // OK when the dataplane answers a trivial request (the deep readiness
  // check); kUnavailable, with a message a client may see, when it does not.
  virtual Status Ping() = 0;
};

}  // namespace workspaced::dataplane
