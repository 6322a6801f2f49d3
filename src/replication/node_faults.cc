#include "sluice/replication/node_faults.h"

#include <random>
#include <string>

namespace sluice::replication {
namespace {

// Each writer thread draws from its own generator: no lock, and no two nodes in step.
bool Draw(double probability) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::bernoulli_distribution(probability)(generator);
}

}  // namespace

void NodeFaults::Set(FaultSettings settings) {
  {
    std::lock_guard lock(settings_mutex_);
    settings_ = settings;
    ++generation_;
  }
  changed_.notify_all();
}

FaultSettings NodeFaults::settings() const {
  std::lock_guard lock(settings_mutex_);
  return settings_;
}

FaultSettings NodeFaults::WaitOut(std::chrono::milliseconds FaultSettings::*delay) {
  std::unique_lock lock(settings_mutex_);
  FaultSettings faults = settings_;
  if ((faults.*delay).count() > 0) {
    const uint64_t generation = generation_;
    changed_.wait_for(lock, faults.*delay, [&] { return generation_ != generation; });
  }
  return faults;
}

void NodeFaults::BeforeRead() { WaitOut(&FaultSettings::read_delay); }

Status NodeFaults::BeforeApply() {
  const FaultSettings faults = WaitOut(&FaultSettings::apply_delay);
  if (faults.error_rate > 0 && Draw(faults.error_rate)) {
    return Status(ErrorCode::kInternal, "injected I/O error");
  }
  return Status::Ok();
}

}  // namespace sluice::replication
