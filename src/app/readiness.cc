#include "app/readiness.h"

#include "common/log.h"
#include "model/relationships.h"
#include "spicedb/client.h"

namespace workspaced::app {

StatusOr<ReadinessResult> Readiness::Check() {
  {
    std::lock_guard lock(mu_);
    const bool fresh = last_ && clock_.Now() - last_->checked_at < options_.interval;
    if (fresh || running_) {
      if (last_) return *last_;
      return Unavailable("the first deep readiness check is still running").WithRetryAfter(1);
    }
    running_ = true;
  }
  ReadinessResult result = Run();
  std::lock_guard lock(mu_);
  running_ = false;
  last_ = result;
  return result;
}

ReadinessResult Readiness::Run() {
  ReadinessResult r;
  const auto fail = [&r](std::string check, std::string state, std::string why) {
    r.checks.emplace_back(std::move(check), std::move(state));
    if (r.failure.empty()) r.failure = std::move(why);
  };

  const StatusOr<store::IntegrityReport> db = store_.CheckIntegrity(options_.budget);
  if (!db.ok()) {
    log::Warn("readyz: the database does not answer", {{"error", db.status().message()}});
    fail("database", "unreachable", "the database is not reachable");
  } else if (db->outcome == store::IntegrityReport::Outcome::kDamaged) {
    log::Error("readyz: the database is damaged", {{"problem", db->problem}});
    fail("database", "damaged", "the database failed its integrity check");
  } else {
    const bool whole = db->outcome == store::IntegrityReport::Outcome::kOk;
    r.checks.emplace_back("database", whole ? "ok" : "incomplete");
  }

  // The dataplane's own message is written for clients (a region, no host).
  const Status dataplane = dataplane_.Ping();
  if (dataplane.ok()) {
    r.checks.emplace_back("dataplanes", "ok");
  } else {
    fail("dataplanes", "unreachable", dataplane.message());
  }

  if (spicedb_ != nullptr) {
    // Any answer will do: a check of a subject that holds nothing.
    const StatusOr<bool> answer =
        spicedb_->Check("platform", model::kPlatformId, "administer", {"user", "readyz-probe", ""});
    if (answer.ok()) {
      r.checks.emplace_back("spicedb", "ok");
    } else {
      log::Warn("readyz: SpiceDB does not answer", {{"error", answer.status().message()}});
      fail("spicedb", "unreachable", "SpiceDB is not reachable");
    }
  }
  r.checked_at = clock_.Now();
  return r;
}

}  // namespace workspaced::app
