// Request metrics in Prometheus text format: requests by route template and
// status, a latency histogram per route, requests in flight, plus gauges and
// counters that other parts register (outbox depth, saga runs, rate-limit
// refusals, …).
//
// Thread-safety: Observe, the gauges and the counters are lock-free (relaxed
// atomics) and may be called from any thread. Route, gauge and counter
// registration takes a lock and is meant for start-up. Render may run
// concurrently with Observe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace workspaced::http {

class Metrics {
 public:
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};

  struct RouteStats {
    std::string method;
    std::string route;
    std::array<std::atomic<std::uint64_t>, 600> by_status{};
    std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};  // last = +Inf
    std::atomic<std::uint64_t> sum_micros{0};
    std::atomic<std::uint64_t> count{0};
  };

  Metrics();

  // Finds or creates the stats of (method, route); the pointer is stable for
  // the life of the Metrics object.
  RouteStats* Route(std::string_view method, std::string_view route);

  void Observe(RouteStats* stats, int status, std::int64_t micros);
  void InFlightAdd(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  // A gauge computed when scraped (e.g. outbox depth). `help` is one line.
  void AddGauge(std::string name, std::string help, std::function<double()> read);
  // A counter, found or created: rendered as `name{labels} value`, with one
  // HELP and TYPE line per name. `labels` is `key="value",…` or empty. The
  // reference is stable for the life of the Metrics object.
  std::atomic<std::uint64_t>& Counter(std::string_view name, std::string_view help,
                                      std::string_view labels = {});
  // A gauge whose value its owner moves (found or created by name): unlike
  // AddGauge's, it lives as long as this object, not as its owner.
  std::atomic<std::int64_t>& GaugeValue(std::string_view name, std::string_view help);

  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::deque<RouteStats> routes_;  // guarded by mu_ for insertion; deque keeps addresses
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  std::deque<Gauge> gauges_;  // guarded by mu_
  struct CounterSeries {
    std::string name, help, labels;
    std::atomic<std::uint64_t> value{0};
  };
  std::deque<CounterSeries> counters_;  // guarded by mu_ for insertion; deque keeps addresses
  struct GaugeSeries {
    std::string name, help;
    std::atomic<std::int64_t> value{0};
  };
  std::deque<GaugeSeries> gauge_values_;  // as counters_
  std::atomic<std::int64_t> in_flight_{0};
};

}  // namespace workspaced::http
