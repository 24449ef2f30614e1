// The deep readiness check behind GET /readyz?deep=1 (docs/integrity.md):
// the control-plane database's integrity check (Store::CheckIntegrity,
// within a budget), the dataplanes answering a trivial request, and SpiceDB
// (when one is configured) answering a permission check.
//
// It runs at most once per `interval`, on the thread of the caller that
// finds the last result older than that while no run is in progress; every
// other caller gets the last result at once and never waits. So however
// often the endpoint is called, it costs at most one check per interval.
//
// Thread-safety: Check is safe from any thread. The store, dataplane,
// SpiceDB client and clock must outlive this object.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "dataplane/dataplane.h"
#include "store/store.h"

namespace workspaced::spicedb {
class Client;
}

namespace workspaced::app {

struct ReadinessOptions {
  Micros budget = 2'000'000;     // for the database's integrity check
  Micros interval = 60'000'000;  // the least time between two runs
};

struct ReadinessResult {
  // Each part checked and how it answered: ok, incomplete (the integrity
  // check ran out of budget: nothing wrong seen), damaged, unreachable.
  std::vector<std::pair<std::string, std::string>> checks;
  // Empty when ready; else what failed first, for a client to read (no
  // host, file or internal message).
  std::string failure;
  Micros checked_at = 0;
};

class Readiness {
 public:
  // `spicedb` null: none configured.
  Readiness(ReadinessOptions options, store::Store& store, dataplane::Dataplane& dataplane,
            spicedb::Client* spicedb, const Clock& clock)
      : options_(options), store_(store), dataplane_(dataplane), spicedb_(spicedb), clock_(clock) {}

  // The latest result, run now when it is older than the interval and no
  // other caller is running it. kUnavailable while the very first run is in
  // progress on another thread (there is no result to give yet).
  StatusOr<ReadinessResult> Check();

 private:
  ReadinessResult Run();

  const ReadinessOptions options_;
  store::Store& store_;
  dataplane::Dataplane& dataplane_;
  spicedb::Client* const spicedb_;
  const Clock& clock_;
  std::mutex mu_;
  std::optional<ReadinessResult> last_;  // GUARDED_BY(mu_)
  bool running_ = false;                 // GUARDED_BY(mu_)
};

}  // namespace workspaced::app
