#pragma once

#include <chrono>
#include <cstdint>

namespace sluice::broker {

// Wall-clock epoch milliseconds: arrival times, iterator ages and sequence numbers use it.
inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Records that arrived before this are past a retention of `retention_hours` at `now_ms`.
inline int64_t RetentionCutoffMs(int64_t now_ms, int retention_hours) {
  return now_ms - static_cast<int64_t>(retention_hours) * 3600 * 1000;
}

}  // namespace sluice::broker
