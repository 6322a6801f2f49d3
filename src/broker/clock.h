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

}  // namespace sluice::broker
