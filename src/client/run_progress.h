// What `op watch` and `--wait` show of an operation while it
// advances. Pure rendering: the caller polls and passes each run it read.
//
// On a terminal (`tty`), one line redrawn in place (`\r`, erase to end of
// line) with the run's state, elapsed time and every step with a mark for its
// state, cut to `width` columns; a newline once the run ends. Otherwise one
// plain line per change: a step's state or attempts, or the run's state.
// Not thread-safe; writes only to the FILE it is given.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "common/status.h"

namespace workspaced::client {

struct StepView {
  std::string name;
  std::string state;  // pending, running, succeeded, failed, compensated
  long long attempts = 0;
  std::string last_error;
  bool operator==(const StepView&) const = default;
};

// A provisioning run or any operation (create, retry, delete, purge, restore).
struct RunView {
  std::string id;
  std::string workspace_id;
  std::string state;  // pending, running, compensating, succeeded, failed, cancelled
  std::string error;  // why it failed ("" unless failed or compensating)
  std::vector<StepView> steps;
  std::string kind;          // "" for a provisioning run, which does not say
  std::string scheduled_at;  // a purge waiting for its window: when it runs
  bool Finished() const { return state == "succeeded" || state == "failed" || state == "cancelled"; }
};

// Reads a GET /v1/operations/{id} (or /v1/provisioning-runs/{id}) body;
// kInternal when it is not one.
StatusOr<RunView> ParseRun(const std::string& json);

class RunProgress {
 public:
  RunProgress(std::FILE* out, bool tty, int width) : out_(out), tty_(tty), width_(width) {}

  // Shows `run` as read `elapsed_seconds` after the watch began. True when
  // something changed since the last call (the poller then polls sooner).
  bool Show(const RunView& run, double elapsed_seconds);

 private:
  std::string StatusLine(const RunView& run, double elapsed_seconds) const;

  std::FILE* out_;
  bool tty_;
  int width_;
  bool first_ = true;
  RunView last_;
};

// The poller's waits: 0.25 s after a change, doubling while nothing changes,
// at most 2 s.
class PollBackoff {
 public:
  static constexpr double kFirst = 0.25;
  static constexpr double kMax = 2.0;
  double Next(bool changed);

 private:
  double next_ = kFirst;
};

}  // namespace workspaced::client
