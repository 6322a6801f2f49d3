// The repair half of RocksNode: snapshots that stream a node's whole content, rebuilding a
// node from one, and disk usage.
#include <rocksdb/write_batch.h>

#include <system_error>
#include <utility>

#include "sluice/common/log.h"
#include "storage/record_codec.h"
#include "storage/rocks_node.h"

namespace sluice::storage {
namespace {

constexpr size_t kChunkBytes = 1 << 20;

// A RocksDB snapshot of one node. Runs on whichever thread streams it; holds the database open
// until destroyed.
class RocksSnapshot final : public NodeSnapshot {
 public:
  RocksSnapshot(std::string node_name, std::shared_ptr<RocksDb> db,
                const rocksdb::Snapshot* snapshot, uint64_t applied_lsn)
      : node_name_(std::move(node_name)),
        db_(std::move(db)),
        snapshot_(snapshot),
        applied_lsn_(applied_lsn) {}
  ~RocksSnapshot() override { db_->db->ReleaseSnapshot(snapshot_); }

  uint64_t applied_lsn() const override { return applied_lsn_; }

  Status ForEachChunk(const std::function<Status(int column, const Chunk&)>& sink) const override {
    for (int column = 0; column < kColumnCount; ++column) {
      rocksdb::ReadOptions read;
      read.snapshot = snapshot_;
      read.fill_cache = false;
      std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(read, db_->columns[column]));
      Chunk chunk;
      size_t bytes = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        chunk.emplace_back(it->key().ToString(), it->value().ToString());
        bytes += it->key().size() + it->value().size();
        if (bytes >= kChunkBytes) {
          SLUICE_RETURN_IF_ERROR(sink(column, chunk));
          chunk.clear();
          bytes = 0;
        }
      }
      if (!it->status().ok()) {
        Logger("storage")->error("storage node {}: reading a snapshot failed: {}", node_name_,
                                 it->status().ToString());
        return Status(ErrorCode::kInternal, "storage node " + node_name_ + " snapshot failed");
      }
      if (!chunk.empty()) SLUICE_RETURN_IF_ERROR(sink(column, chunk));
    }
    return Status::Ok();
  }

 private:
  const std::string node_name_;
  const std::shared_ptr<RocksDb> db_;
  const rocksdb::Snapshot* const snapshot_;
  const uint64_t applied_lsn_;
};

}  // namespace

Result<std::unique_ptr<NodeSnapshot>> RocksNode::Snapshot() const {
  const rocksdb::Snapshot* snapshot = db_->db->GetSnapshot();
  rocksdb::Status status;
  auto lsn = ReadAppliedLsn(db_->db.get(), column(kDefaultColumn), snapshot, &status);
  if (!lsn) {
    db_->db->ReleaseSnapshot(snapshot);
    return Failure("snapshot", status);
  }
  return std::unique_ptr<NodeSnapshot>(std::make_unique<RocksSnapshot>(name_, db_, snapshot, *lsn));
}

Status RocksNode::Wipe(bool sync) {
  // Range deletions from the empty key to just past each column's last key cover every key;
  // the applied LSN (in the default column) goes with them, so a crash half-way through a
  // reset leaves a node at LSN 0 that is rebuilt again, never a partial node claiming a
  // position.
  rocksdb::WriteBatch batch;
  for (int c = 0; c < kColumnCount; ++c) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db->NewIterator(rocksdb::ReadOptions(), db_->columns[c]));
    it->SeekToLast();
    if (!it->status().ok()) return Failure("reset", it->status());
    if (!it->Valid()) continue;
    std::string end = it->key().ToString();
    end.push_back('\0');
    auto status = batch.DeleteRange(db_->columns[c], rocksdb::Slice(), end);
    if (!status.ok()) return Failure("reset", status);
  }
  if (batch.Count() == 0) return Status::Ok();
  applied_lsn_.store(0, std::memory_order_release);
  return WriteOrFail("reset", &batch, sync);
}

Status RocksNode::ResetFrom(const NodeSnapshot& snapshot, bool sync) {
  SLUICE_RETURN_IF_ERROR(Wipe(sync));
  size_t entries = 0;
  SLUICE_RETURN_IF_ERROR(snapshot.ForEachChunk([&](int c, const NodeSnapshot::Chunk& chunk) {
    if (c < 0 || c >= kColumnCount) {
      return Failure("reset", rocksdb::Status::InvalidArgument("snapshot column out of range"));
    }
    rocksdb::WriteBatch batch;
    for (const auto& [key, value] : chunk) {
      // The applied LSN is written last, once everything it describes is in place.
      if (c == kDefaultColumn && key == kAppliedLsnKey) continue;
      auto status = batch.Put(db_->columns[c], key, value);
      if (!status.ok()) return Failure("reset", status);
    }
    entries += chunk.size();
    // Chunks need not be synced one by one: the final write below is, and it comes after them.
    return WriteOrFail("reset", &batch, false);
  }));
  rocksdb::WriteBatch batch;
  std::string encoded_lsn;
  codec::PutFixed64BE(&encoded_lsn, snapshot.applied_lsn());
  auto status = batch.Put(column(kDefaultColumn), kAppliedLsnKey, encoded_lsn);
  if (!status.ok()) return Failure("reset", status);
  SLUICE_RETURN_IF_ERROR(WriteOrFail("reset", &batch, sync));
  applied_lsn_.store(snapshot.applied_lsn(), std::memory_order_release);
  Logger("storage")->info("storage node {} reset to LSN {} ({} entries)", name_,
                          snapshot.applied_lsn(), entries);
  return Status::Ok();
}

uint64_t RocksNode::DiskUsageBytes() const {
  // Everything in the node's directory: SST files, the live WAL, manifests and logs.
  uint64_t total = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir_, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      auto size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

}  // namespace sluice::storage
