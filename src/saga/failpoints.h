// Failpoints for the provisioning saga: compiled in, inert unless set, so
// tests can make any step fail, crash or stall on demand.
//
//   WORKSPACED_FAILPOINTS="<point>=<action>[;<point>=<action>…]"
//
// points:  <step>              every attempt of the step (forward)
//          <step>.compensate   the compensation of the step
//          create_request      POST /v1/workspaces once its Idempotency-Key is
//                              reserved (delay only; src/api/idempotency.cc)
//          secrets_after_pending        a secret's PUT or DELETE after its
//                              pending dataplane row, before the control-plane
//                              transaction (crash only; domain/secrets.cc)
//          secrets_after_commit_record  after that transaction committed,
//                              before the row is marked committed (crash only)
//          vault_after_pending, vault_after_commit_record  the same points of
//                              a vault record's create or delete
//                              (domain/vault.cc)
//          serve_start         `workspaced serve` before it opens the data
//                              directory (delay only; src/cli/serve.cc)
//          denials_chain       each transaction that chains answered
//                              refusals (delay, error, error(N): the first
//                              N fail; domain/denials.h)
//
// actions: error      every attempt fails (retryable)              forward
//          error(N)   the first N attempts fail (retryable), then  forward
//                     succeed
//          fatal      the attempt fails and is not retried         forward
//                     (compensate)
//          crash      the process exits at once (like kill -9) on the
//                     production commit path: after the step's external
//                     effect (forward) or external compensation
//                     (.compensate), if it has one, and before the one
//                     transaction that applies and records it. Nothing of
//                     that transaction is committed.
//          delay(MS)  the attempt (or compensation) is held MS
//                     milliseconds, then proceeds
//
// Thread-safety: immutable after Parse; safe from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace workspaced::saga {

struct Failpoint {
  enum class Action { kNone, kError, kFatal, kCrash, kDelay };
  // Where in a step it acts.
  enum class Phase { kForward, kCompensation };
  Action action = Action::kNone;
  int count = -1;    // kError: attempts that fail; -1 = all
  int delay_ms = 0;  // kDelay
};

class Failpoints {
 public:
  // kInvalidArgument naming the bad entry on any malformed text (also an
  // action a compensation does not take); empty text gives no failpoints.
  static StatusOr<Failpoints> Parse(std::string_view text);

  // What attempt `attempt` (1-based) of `step` should do (forward), or what
  // compensating `step` should do (kNone, kCrash or kDelay).
  Failpoint::Action For(std::string_view step, int attempt,
                        Failpoint::Phase phase = Failpoint::Phase::kForward) const;
  // The delay of a kDelay failpoint (0 otherwise).
  int DelayMs(std::string_view step, Failpoint::Phase phase = Failpoint::Phase::kForward) const;
  bool empty() const { return forward_.empty() && compensation_.empty(); }

 private:
  using Points = std::map<std::string, Failpoint, std::less<>>;
  const Points& In(Failpoint::Phase phase) const {
    return phase == Failpoint::Phase::kForward ? forward_ : compensation_;
  }

  Points forward_;
  Points compensation_;
};

}  // namespace workspaced::saga
