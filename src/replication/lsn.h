#pragma once

#include <cstdint>

#include "sluice/common/strong_type.h"
#include "sluice/storage/storage_node.h"

namespace sluice::replication {

// A log sequence number: the position of a write in the replicated log. Writes are numbered 1,
// 2, 3, ... in the order ReplicatedStore::Write accepts them; 0 is the empty log.
//
// Storage knows nothing of the log and records the last position a node applied as a plain
// number (StorageNode::Apply, applied_lsn); the conversions happen here and where Apply is
// called. Reported numbers (NodeInfo, StoreStats) stay plain too: they are only shown.
using Lsn = Strong<struct LsnTag, uint64_t>;

// The position after `lsn`.
constexpr Lsn Next(Lsn lsn) { return Lsn{lsn.value() + 1}; }

// The last position `node` applied.
inline Lsn AppliedLsn(const storage::StorageNode& node) { return Lsn{node.applied_lsn()}; }

}  // namespace sluice::replication
