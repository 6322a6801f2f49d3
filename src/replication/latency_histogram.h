#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

namespace sluice::replication {

// Quorum write latencies in microseconds, bucketed for /metrics. Not thread-safe: the owner
// guards it.
class LatencyHistogram {
 public:
  static const std::vector<double>& Bounds() {
    static const std::vector<double> bounds = {100,   250,   500,    1000,   2500,   5000,   10000,
                                               25000, 50000, 100000, 250000, 500000, 1000000};
    return bounds;
  }

  LatencyHistogram() : counts_(Bounds().size() + 1, 0) {}

  void Record(double micros) {
    const auto& bounds = Bounds();
    auto bucket = std::lower_bound(bounds.begin(), bounds.end(), micros) - bounds.begin();
    ++counts_[static_cast<size_t>(bucket)];
    sum_ += micros;
  }

  // Prometheus-style cumulative counts: entry i counts observations <= Bounds()[i]; the last
  // entry (+Inf) counts all of them.
  std::vector<uint64_t> CumulativeCounts() const {
    std::vector<uint64_t> cumulative(counts_.size());
    uint64_t running = 0;
    for (size_t i = 0; i < counts_.size(); ++i) cumulative[i] = running += counts_[i];
    return cumulative;
  }
  double sum() const { return sum_; }

 private:
  std::vector<uint64_t> counts_;  // per bucket, not cumulative
  double sum_ = 0;
};

}  // namespace sluice::replication
