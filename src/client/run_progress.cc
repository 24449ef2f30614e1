#include "client/run_progress.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cinttypes>

#include "common/text.h"

namespace workspaced::client {

namespace {

// A text of the server's, as it may be shown: a control character (ESC)
// or a bidi override is escaped, never run by the terminal (docs/cli.md).
std::string Str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? ShownSafely(v->as_string()) : std::string();
}

const char* Mark(const std::string& state) {
  if (state == "succeeded") return "✓";
  if (state == "running") return "▸";
  if (state == "failed") return "✗";
  if (state == "compensated") return "↺";
  return "·";
}

std::string Seconds(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1fs", s);
  return b;
}

// Cuts `line` to `width` display columns, counting a UTF-8 sequence as one.
std::string Fit(const std::string& line, int width) {
  if (width <= 0) return line;
  int cols = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (++cols > width) return line.substr(0, i);
  }
  return line;
}

}  // namespace

StatusOr<RunView> ParseRun(const std::string& json) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(json, ec);
  const auto* o = !ec ? doc.if_object() : nullptr;
  if (o == nullptr || !o->contains("state"))
    return Internal("the server sent a run that is not JSON");
  RunView run;
  run.id = Str(*o, "id");
  run.kind = Str(*o, "kind");
  run.scheduled_at = Str(*o, "scheduled_at");
  run.workspace_id = Str(*o, "workspace_id");
  run.state = Str(*o, "state");
  run.error = Str(*o, "error");
  if (const auto* steps = o->if_contains("steps"); steps && steps->is_array()) {
    for (const auto& s : steps->as_array()) {
      const auto* so = s.if_object();
      if (so == nullptr) continue;
      StepView step{Str(*so, "name"), Str(*so, "state"), 0, Str(*so, "last_error")};
      if (const auto* a = so->if_contains("attempts"); a && a->is_int64())
        step.attempts = a->as_int64();
      run.steps.push_back(std::move(step));
    }
  }
  return run;
}

std::string RunProgress::StatusLine(const RunView& run, double elapsed) const {
  std::string line = "run " + run.id.substr(0, 8) + "… " + run.state + " " + Seconds(elapsed) + " ";
  for (const auto& s : run.steps) {
    line += " ";
    line += Mark(s.state);
    line += s.name;
    if (s.attempts > 1 && s.state != "succeeded") line += "×" + std::to_string(s.attempts);
  }
  return Fit(line, width_);
}

bool RunProgress::Show(const RunView& run, double elapsed) {
  bool changed = first_ || run.state != last_.state || run.steps != last_.steps;
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", StatusLine(run, elapsed).c_str());
    if (run.Finished()) std::fputc('\n', out_);
  } else {
    if (first_) {
      const std::string kind = run.kind.empty() ? "" : " (" + run.kind + ")";
      const std::string when = run.scheduled_at.empty() ? "" : ", scheduled at " + run.scheduled_at;
      std::fprintf(out_, "run %s%s: %s%s\n", run.id.c_str(), kind.c_str(), run.state.c_str(),
                   when.c_str());
    }
    for (const auto& s : run.steps) {
      const auto was = std::find_if(last_.steps.begin(), last_.steps.end(),
                                    [&](const StepView& l) { return l.name == s.name; });
      const bool same =
          was != last_.steps.end() && was->state == s.state && was->attempts == s.attempts;
      if (same || (first_ && s.state == "pending")) continue;
      std::string line = "[" + Seconds(elapsed) + "] " + s.name + ": " + s.state;
      if (s.attempts > 1) line += " (attempt " + std::to_string(s.attempts) + ")";
      if (!s.last_error.empty() && s.state != "succeeded") line += " — " + s.last_error;
      std::fprintf(out_, "%s\n", line.c_str());
    }
    // Every change of the run's state, and its end even when the first look
    // found it finished already: a script reads the same last line however
    // fast the run was.
    if ((!first_ && run.state != last_.state) || (first_ && run.Finished()))
      std::fprintf(out_, "[%s] run %s\n", Seconds(elapsed).c_str(), run.state.c_str());
  }
  std::fflush(out_);
  first_ = false;
  last_ = run;
  return changed;
}

double PollBackoff::Next(bool changed) {
  if (changed) next_ = kFirst;
  const double wait = next_;
  next_ = std::min(next_ * 2, kMax);
  return wait;
}

}  // namespace workspaced::client
