#include "http/metrics.h"

#include <fmt/format.h>

namespace workspaced::http {

Metrics::Metrics() = default;

Metrics::RouteStats* Metrics::Route(std::string_view method, std::string_view route) {
  std::lock_guard lock(mu_);
  for (auto& r : routes_)
    if (r.method == method && r.route == route) return &r;
  auto& r = routes_.emplace_back();
  r.method = std::string(method);
  r.route = std::string(route);
  return &r;
}

void Metrics::Observe(RouteStats* stats, int status, std::int64_t micros) {
  if (status < 100 || status >= 600) status = 500;
  stats->by_status[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  const double seconds = static_cast<double>(micros) / 1e6;
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  stats->buckets[i].fetch_add(1, std::memory_order_relaxed);
  stats->sum_micros.fetch_add(static_cast<std::uint64_t>(micros < 0 ? 0 : micros),
                              std::memory_order_relaxed);
  stats->count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::atomic<std::uint64_t>& Metrics::Counter(std::string_view name, std::string_view help,
                                             std::string_view labels) {
  std::lock_guard lock(mu_);
  for (auto& c : counters_)
    if (c.name == name && c.labels == labels) return c.value;
  auto& c = counters_.emplace_back();
  c.name = std::string(name);
  c.help = std::string(help);
  c.labels = std::string(labels);
  return c.value;
}

std::atomic<std::int64_t>& Metrics::GaugeValue(std::string_view name, std::string_view help) {
  std::lock_guard lock(mu_);
  for (auto& g : gauge_values_)
    if (g.name == name) return g.value;
  auto& g = gauge_values_.emplace_back();
  g.name = std::string(name);
  g.help = std::string(help);
  return g.value;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out +=
      "# HELP workspaced_http_requests_total HTTP requests by method, route template and status.\n";
  out += "# TYPE workspaced_http_requests_total counter\n";
  for (const auto& r : routes_) {
    for (std::size_t s = 100; s < r.by_status.size(); ++s) {
      const auto n = r.by_status[s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += fmt::format(
          "workspaced_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
          r.method, r.route, s, n);
    }
  }
  out +=
      "# HELP workspaced_http_request_duration_seconds Time from request read to response "
      "written.\n";
  out += "# TYPE workspaced_http_request_duration_seconds histogram\n";
  for (const auto& r : routes_) {
    const auto count = r.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= kBuckets.size(); ++i) {
      cumulative += r.buckets[i].load(std::memory_order_relaxed);
      const std::string le = i < kBuckets.size() ? fmt::format("{}", kBuckets[i]) : "+Inf";
      out += fmt::format(
          "workspaced_http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"{}\"}} "
          "{}\n",
          r.method, r.route, le, cumulative);
    }
    out += fmt::format(
        "workspaced_http_request_duration_seconds_sum{{method=\"{}\",route=\"{}\"}} {}\n", r.method,
        r.route, static_cast<double>(r.sum_micros.load(std::memory_order_relaxed)) / 1e6);
    out += fmt::format(
        "workspaced_http_request_duration_seconds_count{{method=\"{}\",route=\"{}\"}} {}\n",
        r.method, r.route, count);
  }
  out += "# HELP workspaced_http_requests_in_flight Requests being handled now.\n";
  out += "# TYPE workspaced_http_requests_in_flight gauge\n";
  out += fmt::format("workspaced_http_requests_in_flight {}\n",
                     in_flight_.load(std::memory_order_relaxed));
  // Counters grouped by name, in the order their names first appeared.
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    const std::string& name = counters_[i].name;
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = counters_[j].name == name;
    if (seen) continue;
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, counters_[i].help, name);
    for (std::size_t j = i; j < counters_.size(); ++j) {
      const auto& c = counters_[j];
      if (c.name != name) continue;
      const auto n = c.value.load(std::memory_order_relaxed);
      if (c.labels.empty())
        out += fmt::format("{} {}\n", name, n);
      else
        out += fmt::format("{}{{{}}} {}\n", name, c.labels, n);
    }
  }
  for (const auto& g : gauge_values_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name,
                       g.value.load(std::memory_order_relaxed));
  }
  for (const auto& g : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name,
                       g.read());
  }
  return out;
}

}  // namespace workspaced::http
