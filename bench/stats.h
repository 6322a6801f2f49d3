#pragma once

#include <cstddef>
#include <vector>

namespace sluice::bench {

// The p-th quantile (0..1) of `sorted` by the nearest-rank-below rule; 0 for no samples.
inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))];
}

}  // namespace sluice::bench
