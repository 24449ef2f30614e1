#include "domain/denials.h"

#include <boost/json.hpp>
#include <vector>

#include "common/log.h"
#include "common/text.h"

namespace workspaced::domain {
namespace {

constexpr std::size_t kMaxSource = 64;
constexpr std::size_t kMaxSubject = 256;
constexpr std::size_t kMaxReason = 128;
constexpr std::size_t kMaxRoute = 256;
constexpr std::size_t kMaxUserAgent = 256;
constexpr std::size_t kMaxRequestId = 128;
constexpr std::size_t kMaxPath = 1024;
constexpr int kPruneBatch = 1'000;
constexpr char kOverflow[] = "*";

// The key of a count without its window: fields are escaped (no control
// characters), so the separator cannot occur in them.
std::string KeyOf(const model::DenialCount& c) {
  std::string key = c.source_ip;
  for (const std::string* part : {&c.subject, &c.reason, &c.route}) {
    key += '\x1f';
    key += *part;
  }
  key += '\x1f';
  key += std::to_string(c.status);
  return key;
}

}  // namespace

Denials::Denials(DenialOptions options, store::Store& store, const Clock& clock, Random& random)
    : options_(options), store_(store), clock_(clock), random_(random), loop_(clock, [this] {
        return Tick();
      }) {}

Denials::~Denials() { Stop(); }

void Denials::Record(const Denied& d) {
  if (d.actor.subject.empty() || d.object_type.empty()) return Count(d);
  // Whether the object exists is a read: ids a caller makes up cost no write.
  bool exists = false;
  const Status read = store_.Read([&](store::Tx& tx) -> Status {
    const std::string id(d.object_id);
    // A purged workspace's chain is sealed: its refusals are counted.
    if (d.object_type == "workspace") {
      const StatusOr<model::WorkspaceStatus> status = tx.GetWorkspaceStatus(id);
      exists = status.ok() && *status != model::WorkspaceStatus::kPurged;
      return status.ok() || status.status().code() == Code::kNotFound ? Status::Ok()
                                                                       : status.status();
    }
    const Status found = tx.GetAccount(id).status();
    exists = found.ok();
    return found.code() == Code::kNotFound ? Status::Ok() : found;
  });
  if (!read.ok()) {
    log::Warn("audit: could not tell whether a refused request's object exists; counted",
              {{"request_id", d.actor.request_id}, {"error", read.message()}});
  }
  if (read.ok() && exists) return Chain(d);
  Count(d);
}

void Denials::Chain(const Denied& d) {
  model::AuditEvent e = AuditEventBy(d.actor, clock_.Now(), "authz.denied",
                                     std::string(d.object_type), std::string(d.object_id), "");
  e.outcome = "denied";
  boost::json::object details{{"status", d.status},
                              {"method", BoundedText(d.method, 16)},
                              {"path", BoundedText(d.path, kMaxPath)},
                              {"route", BoundedText(d.route, kMaxRoute)},
                              {"reason", BoundedText(d.reason, kMaxReason)},
                              {"permission", BoundedText(d.permission, 16)}};
  e.details = boost::json::serialize(details);
  const Status s = store_.Write([&](store::Tx& tx) -> Status {
    model::AuditEvent event = e;
    if (event.target_type == "workspace") {
      // The workspace's readers see who was refused; one deleted since the
      // check goes to the service-wide chain.
      StatusOr<model::Workspace> ws = tx.GetWorkspace(event.target_id);
      if (ws.ok()) {
        event.workspace_id = event.target_id;
      } else if (ws.status().code() != Code::kNotFound) {
        return ws.status();
      }
    }
    return tx.AppendAudit(event);
  });
  if (!s.ok()) {
    log::Error("audit: a denial could not be recorded",
               {{"request_id", d.actor.request_id}, {"error", s.message()}});
  }
}

void Denials::Count(const Denied& d) {
  const Micros now = clock_.Now();
  model::DenialCount c;
  c.window_start = now - now % options_.window;
  c.window_end = c.window_start + options_.window;
  c.source_ip = BoundedText(d.actor.source_ip, kMaxSource);
  c.subject = BoundedText(d.actor.subject, kMaxSubject);
  c.status = d.status;
  c.reason = BoundedText(d.reason, kMaxReason);
  c.route = BoundedText(d.route, kMaxRoute);
  c.count = 1;
  c.first_at = now;
  c.last_at = now;
  c.user_agent = BoundedText(d.actor.user_agent, kMaxUserAgent);
  c.request_id = BoundedText(d.actor.request_id, kMaxRequestId);
  counted_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  if (c.window_start != window_start_) {
    window_start_ = c.window_start;
    window_keys_.clear();
  }
  std::string key = KeyOf(c);
  if (!window_keys_.contains(key)) {
    if (window_keys_.size() >= options_.keys_per_window) {
      c.source_ip = kOverflow;
      c.subject = kOverflow;
      c.reason = kOverflow;
      c.route = kOverflow;
    } else {
      window_keys_.insert(std::move(key));
    }
  }
  AddPending(std::move(c));
}

void Denials::AddPending(model::DenialCount c) {
  std::string key = std::to_string(c.window_start) + '\x1f' + KeyOf(c);
  const auto it = pending_.find(key);
  if (it != pending_.end()) {
    model::DenialCount& p = it->second;
    p.count += c.count;
    if (c.first_at < p.first_at) {
      p.first_at = c.first_at;
      p.user_agent = std::move(c.user_agent);
      p.request_id = std::move(c.request_id);
      if (!c.id.empty()) p.id = std::move(c.id);
    }
    p.last_at = std::max(p.last_at, c.last_at);
    return;
  }
  if (pending_.size() >= options_.max_pending) {
    dropped_.fetch_add(c.count, std::memory_order_relaxed);
    return;
  }
  pending_.emplace(std::move(key), std::move(c));
}

std::int64_t Denials::pending() const {
  std::lock_guard lock(mu_);
  return static_cast<std::int64_t>(pending_.size());
}

Status Denials::Flush() {
  std::vector<model::DenialCount> batch;
  {
    std::lock_guard lock(mu_);
    batch.reserve(pending_.size());
    for (auto& [key, c] : pending_) batch.push_back(std::move(c));
    pending_.clear();
  }
  if (batch.empty()) return Status::Ok();
  for (model::DenialCount& c : batch)
    if (c.id.empty()) c.id = NewUuidV7(random_, clock_);
  const Status s = store_.Write([&](store::Tx& tx) { return tx.AddDenialCounts(batch); });
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    for (model::DenialCount& c : batch) AddPending(std::move(c));
  }
  return s;
}

void Denials::Start() {
  next_prune_ = clock_.Now() + options_.prune_interval;  // no maintenance at start-up
  loop_.Start(/*first_delay=*/options_.flush_interval);
}

void Denials::Stop() {
  if (loop_.stop_requested()) return;
  loop_.Stop();
  const Status s = Flush();
  if (!s.ok()) {
    log::Error("audit: denial counts were lost at stop",
               {{"keys", pending()}, {"error", s.message()}});
  }
}

Micros Denials::Tick() {
  const Status s = Flush();
  // Said once per outage, not once per interval.
  if (!s.ok() && !failing_) {
    log::Warn("audit: denial counts could not be written; kept for the next flush",
              {{"keys", pending()}, {"error", s.message()}});
  } else if (s.ok() && failing_) {
    log::Info("audit: denial counts are written again");
  }
  failing_ = !s.ok();
  const Micros now = clock_.Now();
  if (now >= next_prune_) {
    next_prune_ = now + options_.prune_interval;
    for (int deleted = kPruneBatch; deleted == kPruneBatch;) {
      const Status pruned = store_.Write([&](store::Tx& tx) -> Status {
        WS_ASSIGN_OR_RETURN(deleted, tx.PruneDenialCounts(now - options_.retention, kPruneBatch));
        return Status::Ok();
      });
      if (!pruned.ok()) {
        log::Warn("audit: old denial counts could not be pruned; retrying at the next pass",
                  {{"error", pruned.message()}});
        break;
      }
    }
  }
  return clock_.Now() + options_.flush_interval;
}

}  // namespace workspaced::domain
