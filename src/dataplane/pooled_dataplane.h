// A dataplane made of several members used one caller at a time each: a
// call takes an idle member (the most recently used, so a light load keeps
// to few of them), waiting while every member is busy, and gives it back
// when it returns. For backends whose member is one connection (a
// PostgreSQL cell): calls of different requests run side by side instead of
// queuing behind one connection.
//
// Thread-safety: every method may be called from any thread; a member is
// never used by two calls at once. A call may wait for a member (callers
// run on workers, never on an I/O thread).
#pragma once

#include <memory>
#include <vector>

#include "dataplane/dataplane.h"

namespace workspaced::dataplane {

// `members` must not be empty.
std::unique_ptr<Dataplane> NewPooledDataplane(std::vector<std::unique_ptr<Dataplane>> members);

}  // namespace workspaced::dataplane
