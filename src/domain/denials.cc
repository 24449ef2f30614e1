#include "domain/denials.h"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <utility>

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
constexpr std::size_t kMaxWord = 16;  // method, permission, object type
constexpr std::size_t kMaxObjectId = 64;
// A chained event keeps the actor's user agent as the caller bounded it
// (api/audit.cc: 512 bytes), like every other event.
constexpr std::size_t kMaxEventUserAgent = 512;
constexpr int kPruneBatch = 1'000;
constexpr char kOverflow[] = "*";
constexpr char kChainPoint[] = "denials_chain";
constexpr int kAll = std::numeric_limits<int>::max();
constexpr int kBatchesPerTick = 16;

// What BoundedText(s, max) reads of `s`: it stops at the first character
// that takes its output past `max`, which starts within the first `max`
// bytes (escaping only lengthens) and is at most 4 bytes long. So a queued
// refusal holds at most this much of each string, and its bounded form is
// the same as the whole string's.
std::string Clip(std::string_view s, std::size_t max) { return std::string(s.substr(0, max + 4)); }

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

model::AuditEvent DeniedEvent(const Denied& d, Micros at) {
  // 423: allowed, but refused for the workspace's state (frozen).
  const bool locked = d.status == 423;
  model::AuditEvent e =
      AuditEventBy(d.actor, at, locked ? "request.refused" : "authz.denied",
                   std::string(d.object_type), std::string(d.object_id), "");
  e.outcome = locked ? "refused" : "denied";
  boost::json::object details{{"status", d.status},
                              {"method", BoundedText(d.method, kMaxWord)},
                              {"path", BoundedText(d.path, kMaxPath)},
                              {"route", BoundedText(d.route, kMaxRoute)},
                              {"reason", BoundedText(d.reason, kMaxReason)},
                              {"permission", BoundedText(d.permission, kMaxWord)}};
  e.details = boost::json::serialize(details);
  return e;
}

}  // namespace

Denied Denials::Queued::view() const {
  Denied d;
  d.actor = actor;
  d.status = status;
  d.method = method;
  d.path = path;
  d.route = route;
  d.reason = reason;
  d.object_type = object_type;
  d.object_id = object_id;
  d.permission = permission;
  return d;
}

Denials::Denials(DenialOptions options, store::Store& store, const Clock& clock, Random& random,
                 const saga::Failpoints& failpoints)
    : options_(options),
      store_(store),
      clock_(clock),
      random_(random),
      failpoints_(failpoints),
      loop_(clock, [this] { return Tick(); }) {}

Denials::~Denials() { Stop(); }

void Denials::Record(const Denied& d) {
  recorded_.fetch_add(1, std::memory_order_relaxed);
  // Whether the object exists is for the loop to find out: here a made-up
  // id and a real one take the same path.
  if (d.actor.subject.empty() || d.object_type.empty()) return Count(d, clock_.Now());
  Enqueue(d);
}

void Denials::Enqueue(const Denied& d) {
  Queued q;
  q.at = clock_.Now();
  q.actor.subject = Clip(d.actor.subject, kMaxSubject);
  q.actor.auth = Clip(d.actor.auth, kMaxWord);
  q.actor.request_id = Clip(d.actor.request_id, kMaxRequestId);
  q.actor.source_ip = Clip(d.actor.source_ip, kMaxSource);
  q.actor.user_agent = Clip(d.actor.user_agent, kMaxEventUserAgent);
  q.status = d.status;
  q.method = Clip(d.method, kMaxWord);
  q.path = Clip(d.path, kMaxPath);
  q.route = Clip(d.route, kMaxRoute);
  q.reason = Clip(d.reason, kMaxReason);
  q.object_type = Clip(d.object_type, kMaxWord);
  q.object_id = Clip(d.object_id, kMaxObjectId);
  q.permission = Clip(d.permission, kMaxWord);
  bool first_full = false;
  {
    std::lock_guard lock(queue_mu_);
    if (queue_.size() + in_flight_ < options_.max_queued) {
      // No wake: the loop's next pass takes it (see Tick).
      queue_.push_back(std::move(q));
      return;
    }
    first_full = !full_;
    full_ = true;
  }
  // The queue is full: the refusal is counted instead, so it is still on
  // the record (without its object), and memory stays bounded.
  chain_dropped_.fetch_add(1, std::memory_order_relaxed);
  if (first_full) {
    log::Warn(
        "audit: the queue of refusals to chain is full; further ones are counted, not "
        "chained, until it drains",
        {{"max_queued", static_cast<std::int64_t>(options_.max_queued)}});
  }
  Count(q.view(), q.at);
}

Status Denials::DrainQueue(int max_batches, std::size_t& counted) {
  std::lock_guard drain(drain_mu_);
  for (int n = 0; n < max_batches; ++n) {
    std::vector<Queued> batch;
    bool drained_after_full = false;
    {
      std::lock_guard lock(queue_mu_);
      if (queue_.empty()) {
        drained_after_full = std::exchange(full_, false);
      } else {
        const auto end =
            queue_.begin() + static_cast<std::ptrdiff_t>(std::min(queue_.size(), kChainBatch));
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
        in_flight_ = batch.size();
      }
    }
    if (batch.empty()) {
      if (drained_after_full) log::Info("audit: the queue of refusals to chain has drained");
      return Status::Ok();
    }
    const Status s = ChainBatch(batch, counted);
    {
      std::lock_guard lock(queue_mu_);
      in_flight_ = 0;
      // Kept, in order, for the next pass.
      if (!s.ok())
        queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
    }
    // Said once per outage, not once per pass.
    if (!s.ok()) {
      if (!chain_failing_) {
        log::Warn("audit: refusals could not be chained; kept for the next pass",
                  {{"queued", queued()}, {"error", s.message()}});
      }
      chain_failing_ = true;
      return s;
    }
    if (chain_failing_) log::Info("audit: refusals are chained again");
    chain_failing_ = false;
  }
  return Status::Ok();
}

namespace {

// Whether the object of a refusal exists: an account, or a workspace that
// is not purged (a purged workspace's chain is sealed).
StatusOr<bool> Exists(store::Tx& tx, std::string_view type, std::string_view id) {
  if (type == "workspace") {
    const StatusOr<model::WorkspaceStatus> status = tx.GetWorkspaceStatus(id);
    if (status.ok()) return *status != model::WorkspaceStatus::kPurged;
    if (status.status().code() == Code::kNotFound) return false;
    return status.status();
  }
  const Status found = tx.GetAccount(id).status();
  if (found.ok()) return true;
  if (found.code() == Code::kNotFound) return false;
  return found;
}

}  // namespace

Status Denials::ChainBatch(const std::vector<Queued>& batch, std::size_t& counted) {
  ++chain_attempts_;
  switch (failpoints_.For(kChainPoint, chain_attempts_)) {
    case saga::Failpoint::Action::kDelay: {
      Wakeup never;
      (void)clock_.WaitFor(Micros{failpoints_.DelayMs(kChainPoint)} * 1000, never,
                           [] { return false; });
      break;
    }
    case saga::Failpoint::Action::kError:
      return Unavailable("failpoint denials_chain: the database is unavailable");
    default:
      break;
  }
  std::vector<char> chained(batch.size(), 0);
  // Per caller and object, how many this transaction chains (kept once it
  // commits): beyond chains_per_key in a window, a refusal is counted.
  std::unordered_map<std::string, int> taken;
  const auto may_chain = [&](const Queued& q, std::string& key) {
    const Micros window = q.at - q.at % options_.window;
    if (window > chain_window_) {
      chain_window_ = window;
      chained_per_key_.clear();
    }
    key = std::to_string(window) + '\n' + q.actor.subject + '\n' + q.object_type + '\n' +
          q.object_id;
    const auto held = chained_per_key_.find(key);
    if (held == chained_per_key_.end() && chained_per_key_.size() >= kMaxChainKeys) return false;
    const int before = held == chained_per_key_.end() ? 0 : held->second;
    return before + taken[key] < options_.chains_per_key;
  };
  const Status s = store_.Write([&](store::Tx& tx) -> Status {
    taken.clear();
    for (std::size_t i = 0; i < batch.size(); ++i) {  // the callback may run again
      const Queued& q = batch[i];
      chained[i] = 0;
      WS_ASSIGN_OR_RETURN(const bool exists, Exists(tx, q.object_type, q.object_id));
      std::string key;
      if (!exists || !may_chain(q, key)) continue;
      ++taken[key];
      chained[i] = 1;
      model::AuditEvent e = DeniedEvent(q.view(), q.at);
      // The workspace's readers see who was refused.
      if (q.object_type == "workspace") e.workspace_id = q.object_id;
      WS_RETURN_IF_ERROR(tx.AppendAudit(e));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  for (const auto& [key, n] : taken) chained_per_key_[key] += n;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (chained[i]) continue;
    Count(batch[i].view(), batch[i].at);
    ++counted;
  }
  return Status::Ok();
}

void Denials::Count(const Denied& d, Micros now) {
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
  // The API makes it safe (ActorOf: BoundedText): cut, not escaped again,
  // which would double its backslashes; escaped here only if it is not.
  c.user_agent = IsDisplaySafe(d.actor.user_agent)
                     ? CutBoundedText(d.actor.user_agent, kMaxUserAgent)
                     : BoundedText(d.actor.user_agent, kMaxUserAgent);
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

std::int64_t Denials::queued() const {
  std::lock_guard lock(queue_mu_);
  return static_cast<std::int64_t>(queue_.size() + in_flight_);
}

Status Denials::Flush() {
  // Chained first: what turns out to be about no object is counted, and
  // written with the counts.
  std::size_t counted = 0;
  const Status chained = DrainQueue(kAll, counted);
  const Status counts = FlushCounts();
  return chained.ok() ? counts : chained;
}

Status Denials::FlushCounts() {
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
  const Micros now = clock_.Now();
  next_flush_ = now + options_.flush_interval;
  next_prune_ = now + options_.prune_interval;  // no maintenance at start-up
  loop_.Start();                                // at once: refusals may be queued already
}

void Denials::Stop() {
  if (loop_.stop_requested()) return;
  loop_.Stop();
  // Requests are over (the server has stopped): nothing is queued after this.
  std::size_t counted = 0;
  if (const Status s = DrainQueue(kAll, counted); !s.ok()) {
    log::Error("audit: refusals still to chain were lost at stop",
               {{"refusals", queued()}, {"error", s.message()}});
  }
  if (const Status s = FlushCounts(); !s.ok()) {
    log::Error("audit: denial counts were lost at stop",
               {{"keys", pending()}, {"error", s.message()}});
  }
}

Micros Denials::Tick() {
  // A few batches at a time, so that under a steady flood the counts still
  // get their turn; a failure is logged, and its refusals kept for the
  // next flush's pass.
  std::size_t counted = 0;
  const bool chained = DrainQueue(kBatchesPerTick, counted).ok();
  const Micros now = clock_.Now();
  // A pass that took refusals writes whatever they turned out to be: the
  // counts of those about no object go out with it. So what the next
  // requests meet — a database that has just changed — does not depend on
  // whether the refused objects exist either.
  if (now >= next_flush_ || counted > 0) FlushAndPrune(now);
  if (!chained) return next_flush_;
  if (queued() > 0) return clock_.Now();  // more than a pass's worth
  // On a cadence rather than woken by each refusal: the write that chains
  // one then does not run beside the rest of that request's answer, where
  // its cost would show in how long the answer took.
  return std::min(next_flush_, now + options_.chain_interval);
}

void Denials::FlushAndPrune(Micros now) {
  next_flush_ = now + options_.flush_interval;
  const Status s = FlushCounts();
  // Said once per outage, not once per interval.
  if (!s.ok() && !failing_) {
    log::Warn("audit: denial counts could not be written; kept for the next flush",
              {{"keys", pending()}, {"error", s.message()}});
  } else if (s.ok() && failing_) {
    log::Info("audit: denial counts are written again");
  }
  failing_ = !s.ok();
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
}

}  // namespace workspaced::domain
