#include "net/server_context.h"

#include <utility>
#include <vector>

namespace sluice::net {

uint64_t ConnectionRegistry::Add(std::weak_ptr<Connection> connection) {
  std::lock_guard lock(connections_mutex_);
  uint64_t id = next_id_++;
  connections_.emplace(id, std::move(connection));
  return id;
}

void ConnectionRegistry::Replace(uint64_t id, std::weak_ptr<Connection> connection) {
  std::lock_guard lock(connections_mutex_);
  connections_[id] = std::move(connection);
}

void ConnectionRegistry::Remove(uint64_t id) {
  std::lock_guard lock(connections_mutex_);
  connections_.erase(id);
}

void ConnectionRegistry::ShutdownAll() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(connections_mutex_);
    live.reserve(connections_.size());
    for (const auto& [id, weak] : connections_) {
      if (auto connection = weak.lock()) live.push_back(std::move(connection));
    }
  }
  for (const auto& connection : live) connection->Shutdown();
}

size_t ConnectionRegistry::size() const {
  std::lock_guard lock(connections_mutex_);
  return connections_.size();
}

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    if (registry_ != nullptr) registry_->Remove(id_);
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
    over_capacity_ = other.over_capacity_;
  }
  return *this;
}

ConnectionSlot::~ConnectionSlot() {
  if (registry_ != nullptr) registry_->Remove(id_);
}

void ConnectionSlot::Rebind(std::weak_ptr<Connection> owner) {
  if (registry_ != nullptr) registry_->Replace(id_, std::move(owner));
}

bool ByteBudget::TryTake(size_t bytes) {
  size_t used = used_.load();
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes));
  return true;
}

BodyLease& BodyLease::operator=(BodyLease&& other) noexcept {
  if (this != &other) {
    Release();
    server_ = std::exchange(other.server_, nullptr);
    connection_ = std::exchange(other.connection_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

bool BodyLease::CoverUpTo(size_t total) {
  if (total <= bytes_) return true;
  const size_t more = total - bytes_;
  if (server_ != nullptr && !server_->TryTake(more)) return false;
  if (connection_ != nullptr && !connection_->TryTake(more)) {
    if (server_ != nullptr) server_->Give(more);
    return false;
  }
  bytes_ = total;
  return true;
}

void BodyLease::Release() noexcept {
  if (server_ != nullptr) server_->Give(bytes_);
  if (connection_ != nullptr) connection_->Give(bytes_);
  bytes_ = 0;
}

}  // namespace sluice::net
