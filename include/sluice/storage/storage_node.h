#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/storage/write_batch.h"

namespace sluice::storage {

// Bounds for one read of a shard's records.
struct RecordRange {
  uint64_t stream_uid = 0;
  uint32_t shard_index = 0;
  uint64_t from_seq = 0;               // inclusive
  uint64_t to_seq = UINT64_MAX;        // exclusive: the caller passes the shard's committed end
  int64_t min_arrival_ms = INT64_MIN;  // records that arrived earlier are expired: skipped
  size_t max_records = 10000;
  size_t max_bytes = 10 * 1024 * 1024;  // data + partition key; at least one record is returned
};

// A consistent, read-only view of a whole node, used to rebuild another node from it.
class NodeSnapshot {
 public:
  virtual ~NodeSnapshot() = default;
  // The log position (LSN) the snapshot reflects.
  virtual uint64_t applied_lsn() const = 0;
  // Calls `sink` for every entry of the node's column families, in key order, in chunks.
  // `sink` returns a failed Status to stop early; that Status is returned.
  using Chunk = std::vector<std::pair<std::string, std::string>>;
  virtual Status ForEachChunk(
      const std::function<Status(int column, const Chunk&)>& sink) const = 0;
};

// One availability-zone storage node: a RocksDB directory holding records and metadata.
//
// The interface is narrow on purpose: it is the seam at which a node could later run as a
// separate process. Thread-safety: Apply and ResetFrom are called from the node's single
// writer thread only (see replication/); the read methods may be called from any thread
// concurrently with them.
class StorageNode {
 public:
  virtual ~StorageNode() = default;

  virtual const std::string& name() const = 0;

  // Applies `batches` atomically (one RocksDB WriteBatch: the group commit) and records `lsn`,
  // the log position of the last batch, as the node's applied position. `sync` asks for fsync.
  virtual Status Apply(const std::vector<const WriteBatch*>& batches, uint64_t lsn, bool sync) = 0;

  // The LSN of the last applied batch (0 for an empty node). Survives restarts.
  virtual uint64_t applied_lsn() const = 0;

  // --- reads ---
  virtual Result<std::vector<StoredRecord>> ReadRecords(const RecordRange& range) const = 0;
  // The smallest seq_index in [from_seq, to_seq) whose arrival_ms >= at_ms, if any. Arrival
  // times are non-decreasing within a shard, so this is a binary search, not a scan.
  virtual Result<std::optional<uint64_t>> FirstSeqAtOrAfter(uint64_t stream_uid,
                                                            uint32_t shard_index, int64_t at_ms,
                                                            uint64_t from_seq,
                                                            uint64_t to_seq) const = 0;
  // The highest seq_index stored for the shard, if any.
  virtual Result<std::optional<uint64_t>> LastSeq(uint64_t stream_uid,
                                                  uint32_t shard_index) const = 0;
  // The lowest seq_index stored for the shard, if any.
  virtual Result<std::optional<uint64_t>> FirstSeq(uint64_t stream_uid,
                                                   uint32_t shard_index) const = 0;
  virtual Result<std::optional<std::string>> GetMeta(const std::string& key) const = 0;
  // Every meta entry whose key starts with `prefix`, in key order.
  virtual Result<std::vector<std::pair<std::string, std::string>>> ScanMeta(
      const std::string& prefix) const = 0;

  // --- repair ---
  virtual Result<std::unique_ptr<NodeSnapshot>> Snapshot() const = 0;
  // Replaces the node's whole content with the snapshot's (including its applied LSN).
  virtual Status ResetFrom(const NodeSnapshot& snapshot, bool sync) = 0;

  // Approximate bytes on disk, for /_sluice/nodes and metrics.
  virtual uint64_t DiskUsageBytes() const = 0;
};

struct RocksNodeOptions {
  size_t block_cache_bytes = 64 << 20;
  size_t write_buffer_bytes = 32 << 20;
};

// Opens (creating if missing) the RocksDB-backed node `name` in `dir`. RocksDB and OS errors
// become Status values here; their text goes to the log, never to clients. kUnavailable when
// another process holds the directory; kInternal when it cannot be opened (corrupt files,
// permissions, ...).
Result<std::unique_ptr<StorageNode>> OpenRocksNode(std::string name, std::filesystem::path dir,
                                                   RocksNodeOptions options = {});

}  // namespace sluice::storage
