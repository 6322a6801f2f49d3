#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "sluice/storage/storage_node.h"

// The RocksDB-backed StorageNode. Private to the storage layer: nothing above it includes
// RocksDB.
namespace sluice::storage {

// Column family indices, also the `column` numbers a NodeSnapshot reports.
enum Column : int { kDefaultColumn = 0, kRecordsColumn = 1, kMetaColumn = 2, kColumnCount = 3 };

// The key, in the default column family, holding the applied LSN (8 bytes big-endian). It is
// written in the same RocksDB WriteBatch as the data it describes.
inline constexpr char kAppliedLsnKey[] = "sluice.applied_lsn";

// An open RocksDB and its column family handles. Shared by the node and its snapshots, so a
// snapshot being streamed to another node keeps the database open.
struct RocksDb {
  RocksDb() = default;
  RocksDb(const RocksDb&) = delete;
  RocksDb& operator=(const RocksDb&) = delete;
  ~RocksDb();

  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> columns;  // indexed by Column
};

// Reads the applied LSN as of `snapshot` (nullptr: now); 0 when none was ever written.
// nullopt with `status` set on failure.
std::optional<uint64_t> ReadAppliedLsn(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* column,
                                       const rocksdb::Snapshot* snapshot, rocksdb::Status* status);

// Writes run on the replication layer's writer thread for this node (one at a time); reads run
// on any thread, concurrently with writes: RocksDB gives each read an implicit snapshot.
class RocksNode final : public StorageNode {
 public:
  RocksNode(std::string name, std::filesystem::path dir, std::shared_ptr<RocksDb> db,
            uint64_t applied_lsn);

  const std::string& name() const override { return name_; }
  Status Apply(const std::vector<const WriteBatch*>& batches, uint64_t lsn, bool sync) override;
  uint64_t applied_lsn() const override { return applied_lsn_.load(std::memory_order_acquire); }

  Result<std::vector<StoredRecord>> ReadRecords(const RecordRange& range) const override;
  Result<std::optional<uint64_t>> FirstSeqAtOrAfter(uint64_t stream_uid, uint32_t shard_index,
                                                    int64_t at_ms, uint64_t from_seq,
                                                    uint64_t to_seq) const override;
  Result<std::optional<uint64_t>> LastSeq(uint64_t stream_uid, uint32_t shard_index) const override;
  Result<std::optional<uint64_t>> FirstSeq(uint64_t stream_uid,
                                           uint32_t shard_index) const override;
  Result<std::optional<std::string>> GetMeta(const std::string& key) const override;
  Result<std::vector<std::pair<std::string, std::string>>> ScanMeta(
      const std::string& prefix) const override;

  Result<std::unique_ptr<NodeSnapshot>> Snapshot() const override;
  Status ResetFrom(const NodeSnapshot& snapshot, bool sync) override;
  uint64_t DiskUsageBytes() const override;

 private:
  rocksdb::ColumnFamilyHandle* column(Column c) const { return db_->columns[c]; }
  // Logs RocksDB's text and returns a generic kInternal Status naming the node and `what`.
  Status Failure(const char* what, const rocksdb::Status& status) const;
  // The entry `it` points at, if it is valid and inside `prefix` (one shard): its first
  // seq_index and record count. A read error or a malformed entry becomes a failed Result.
  struct Entry {
    uint64_t first_seq;
    uint64_t count;
    int64_t arrival_ms;
    uint64_t end() const { return first_seq + count; }
  };
  Result<std::optional<Entry>> EntryUnder(const rocksdb::Iterator& it,
                                          const std::string& prefix) const;
  // An iterator over one shard's entries below the key of `to_seq` (UINT64_MAX: all of them),
  // and the bounds it reads.
  struct ShardCursor {
    uint64_t stream_uid;
    uint32_t shard_index;
    std::string prefix;
    std::string upper;
    rocksdb::Slice lower_slice;
    rocksdb::Slice upper_slice;
    std::unique_ptr<rocksdb::Iterator> it;
  };
  std::unique_ptr<ShardCursor> OpenShard(uint64_t stream_uid, uint32_t shard_index,
                                         uint64_t to_seq) const;
  // Positions `cursor` at the entry holding `seq` (a batch may start before it), or else at the
  // first entry after it; returns that entry, if any.
  Result<std::optional<Entry>> SeekEntry(ShardCursor& cursor, uint64_t seq) const;
  // The smallest seq_index in [from_seq, to_seq) whose arrival_ms >= at_ms (see
  // FirstSeqAtOrAfter), through `cursor`, whose bound must be at least to_seq.
  Result<std::optional<uint64_t>> SearchArrival(ShardCursor& cursor, int64_t at_ms,
                                                uint64_t from_seq, uint64_t to_seq) const;
  // Batch entries put by the Apply under way, not in the database yet: (first seq, end) by
  // (stream uid, shard).
  using Added = std::map<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, uint64_t>>>;
  // The records of one source batch into `batch`: the records of each shard as one batch
  // entry when they can be (see record_codec.h).
  Status AddRecords(const WriteBatch& source, rocksdb::WriteBatch* batch, Added* added);
  // Where a retention delete up to `to_seq` must stop so as not to cut a batch entry (stored, or
  // `added` in the same Apply): `to_seq`, or the first seq_index of the entry holding it.
  Result<uint64_t> DeleteEnd(uint64_t stream_uid, uint32_t shard_index, uint64_t to_seq,
                             const Added& added) const;
  // Removes every entry of every column family, the applied LSN included.
  Status Wipe(bool sync);
  Status WriteOrFail(const char* what, rocksdb::WriteBatch* batch, bool sync);

  const std::string name_;
  const std::filesystem::path dir_;
  const std::shared_ptr<RocksDb> db_;
  std::atomic<uint64_t> applied_lsn_;
};

}  // namespace sluice::storage
