// Failpoints for the provisioning saga: compiled in, inert unless set, so
// tests can make any step fail, crash or stall on demand.
//
//   WORKSPACED_FAILPOINTS="<step>=<action>[;<step>=<action>…]"
//
// actions: error      every attempt fails (retryable)
//          error(N)   the first N attempts fail (retryable), then succeed
//          fatal      the attempt fails and is not retried (compensate)
//          crash      the process exits at once (like kill -9) after the
//                     step's side effect, before it is recorded
//          delay(MS)  the attempt is held MS milliseconds, then proceeds
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
  Action action = Action::kNone;
  int count = -1;    // kError: attempts that fail; -1 = all
  int delay_ms = 0;  // kDelay
};

class Failpoints {
 public:
  // kInvalidArgument naming the bad entry on any malformed text; empty text
  // gives no failpoints.
  static StatusOr<Failpoints> Parse(std::string_view text);

  // What attempt `attempt` (1-based) of `step` should do.
  Failpoint::Action For(std::string_view step, int attempt) const;
  // The delay of a kDelay failpoint (0 otherwise).
  int DelayMs(std::string_view step) const;
  bool empty() const { return points_.empty(); }

 private:
  std::map<std::string, Failpoint, std::less<>> points_;
};

}  // namespace workspaced::saga
