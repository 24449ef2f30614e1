#include "saga/failpoints.h"

#include <charconv>

namespace workspaced::saga {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// "name(N)" → N; nullopt when not of that form or N is not a number >= 0.
std::optional<int> Argument(std::string_view action, std::string_view name) {
  if (action.size() < name.size() + 3 || action.substr(0, name.size()) != name ||
      action[name.size()] != '(' || action.back() != ')') {
    return std::nullopt;
  }
  const std::string_view digits = action.substr(name.size() + 1, action.size() - name.size() - 2);
  int n = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || n < 0)
    return std::nullopt;
  return n;
}

bool IsStepName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

StatusOr<Failpoints> Failpoints::Parse(std::string_view text) {
  constexpr std::string_view kCompensate = ".compensate";
  Failpoints out;
  while (!text.empty()) {
    const std::size_t semi = text.find(';');
    const std::string_view entry = Trim(text.substr(0, semi));
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    if (entry.empty()) continue;
    const std::size_t eq = entry.find('=');
    const std::string bad = "WORKSPACED_FAILPOINTS: bad entry '" + std::string(entry) +
                            "' (want step=error|error(N)|fatal|crash|delay(MS) or "
                            "step.compensate=crash|delay(MS))";
    if (eq == std::string_view::npos) return InvalidArgument(bad);
    std::string_view step = Trim(entry.substr(0, eq));
    const std::string_view action = Trim(entry.substr(eq + 1));
    Failpoint::Phase phase = Failpoint::Phase::kForward;
    if (step.size() > kCompensate.size() &&
        step.substr(step.size() - kCompensate.size()) == kCompensate) {
      phase = Failpoint::Phase::kCompensation;
      step.remove_suffix(kCompensate.size());
    }
    if (!IsStepName(step)) return InvalidArgument(bad);
    Failpoint fp;
    if (action == "error") {
      fp.action = Failpoint::Action::kError;
    } else if (auto n = Argument(action, "error")) {
      fp.action = Failpoint::Action::kError;
      fp.count = *n;
    } else if (action == "fatal") {
      fp.action = Failpoint::Action::kFatal;
    } else if (action == "crash") {
      fp.action = Failpoint::Action::kCrash;
    } else if (auto ms = Argument(action, "delay")) {
      fp.action = Failpoint::Action::kDelay;
      fp.delay_ms = *ms;
    } else {
      return InvalidArgument(bad);
    }
    // A compensation is retried until it succeeds: it only crashes or stalls.
    if (phase == Failpoint::Phase::kCompensation && fp.action != Failpoint::Action::kCrash &&
        fp.action != Failpoint::Action::kDelay) {
      return InvalidArgument(bad);
    }
    Points& points = phase == Failpoint::Phase::kForward ? out.forward_ : out.compensation_;
    if (!points.emplace(std::string(step), fp).second) {
      return InvalidArgument("WORKSPACED_FAILPOINTS: '" + std::string(entry.substr(0, eq)) +
                             "' is set twice");
    }
  }
  return out;
}

Failpoint::Action Failpoints::For(std::string_view step, int attempt,
                                  Failpoint::Phase phase) const {
  const Points& points = In(phase);
  const auto it = points.find(step);
  if (it == points.end()) return Failpoint::Action::kNone;
  const Failpoint& fp = it->second;
  if (fp.action == Failpoint::Action::kError && fp.count >= 0 && attempt > fp.count)
    return Failpoint::Action::kNone;
  return fp.action;
}

int Failpoints::DelayMs(std::string_view step, Failpoint::Phase phase) const {
  const Points& points = In(phase);
  const auto it = points.find(step);
  return it == points.end() ? 0 : it->second.delay_ms;
}

}  // namespace workspaced::saga
