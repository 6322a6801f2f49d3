#include "storage/rocks_node.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "sluice/common/log.h"
#include "storage/record_codec.h"

namespace sluice::storage {
namespace {

constexpr const char* kColumnNames[kColumnCount] = {"default", "records", "meta"};

rocksdb::CompressionType PickCompression() {
  auto supported = rocksdb::GetSupportedCompressions();
  for (auto preferred : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), preferred) != supported.end()) {
      return preferred;
    }
  }
  return rocksdb::kNoCompression;
}

rocksdb::ColumnFamilyOptions MakeColumnOptions(const RocksNodeOptions& options,
                                               const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups happen on meta keys; record reads are range scans, where a filter is unused.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_size = 16 * 1024;
  rocksdb::ColumnFamilyOptions column;
  column.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  column.write_buffer_size = options.write_buffer_bytes;
  column.compression = PickCompression();
  column.level_compaction_dynamic_level_bytes = true;
  return column;
}

}  // namespace

std::optional<uint64_t> ReadAppliedLsn(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* column,
                                       const rocksdb::Snapshot* snapshot, rocksdb::Status* status) {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::string value;
  *status = db->Get(read, column, kAppliedLsnKey, &value);
  if (status->IsNotFound()) {
    *status = rocksdb::Status::OK();
    return 0;
  }
  if (!status->ok()) return std::nullopt;
  if (value.size() != 8) {
    *status = rocksdb::Status::Corruption("applied LSN value is not 8 bytes");
    return std::nullopt;
  }
  return codec::GetFixed64BE(value.data());
}

RocksDb::~RocksDb() {
  if (!db) return;
  for (auto* handle : columns) {
    if (handle != nullptr) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  auto status = db->Close();
  if (!status.ok()) Logger("storage")->warn("closing RocksDB failed: {}", status.ToString());
}

Result<std::unique_ptr<StorageNode>> OpenRocksNode(std::string name, std::filesystem::path dir,
                                                   RocksNodeOptions options) {
  auto log = Logger("storage");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    log->error("storage node {}: cannot create {}: {}", name, dir.string(), ec.message());
    return Status(ErrorCode::kInternal, "storage node " + name + " open failed");
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 3;
  db_options.max_log_file_size = 8 << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  auto column_options = MakeColumnOptions(options, cache);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* column_name : kColumnNames)
    descriptors.emplace_back(column_name, column_options);

  auto db = std::make_shared<RocksDb>();
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(db_options, dir.string(), descriptors, &db->columns, &raw);
  if (!status.ok()) {
    log->error("storage node {}: opening RocksDB in {} failed: {}", name, dir.string(),
               status.ToString());
    // Another process holds the directory's LOCK: the files are fine, the start is wrong.
    if (status.IsIOError() && status.ToString().find("lock file") != std::string::npos) {
      return Status(
          ErrorCode::kUnavailable,
          "storage node " + name + " is in use by another process (" + dir.string() + "/LOCK)");
    }
    return Status(ErrorCode::kInternal, "storage node " + name + " open failed");
  }
  db->db.reset(raw);

  auto applied = ReadAppliedLsn(raw, db->columns[kDefaultColumn], nullptr, &status);
  if (!applied) {
    log->error("storage node {}: reading the applied LSN failed: {}", name, status.ToString());
    return Status(ErrorCode::kInternal, "storage node " + name + " open failed");
  }
  log->debug("storage node {} opened in {} at LSN {}", name, dir.string(), *applied);
  return std::unique_ptr<StorageNode>(
      std::make_unique<RocksNode>(std::move(name), std::move(dir), std::move(db), *applied));
}

RocksNode::RocksNode(std::string name, std::filesystem::path dir, std::shared_ptr<RocksDb> db,
                     uint64_t applied_lsn)
    : name_(std::move(name)), dir_(std::move(dir)), db_(std::move(db)), applied_lsn_(applied_lsn) {}

Status RocksNode::Failure(const char* what, const rocksdb::Status& status) const {
  Logger("storage")->error("storage node {}: {} failed: {}", name_, what, status.ToString());
  return Status(ErrorCode::kInternal, "storage node " + name_ + " " + what + " failed");
}

Status RocksNode::WriteOrFail(const char* what, rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions write;
  write.sync = sync;
  auto status = db_->db->Write(write, batch);
  if (!status.ok()) return Failure(what, status);
  return Status::Ok();
}

Status RocksNode::Apply(const std::vector<const WriteBatch*>& batches, uint64_t lsn, bool sync) {
  rocksdb::WriteBatch batch;
  std::string key;
  std::string value;
  rocksdb::Status status;
  for (const WriteBatch* source : batches) {
    for (const WriteBatch::Op& op : source->ops()) {
      switch (op.kind) {
        case WriteBatch::Kind::kPutRecord:
          key = codec::RecordKey(op.stream_uid, op.shard_index, op.record.seq_index);
          codec::EncodeRecordValue(op.record, &value);
          status = batch.Put(column(kRecordsColumn), key, value);
          break;
        case WriteBatch::Kind::kPutMeta:
          status = batch.Put(column(kMetaColumn), op.key, op.value);
          break;
        case WriteBatch::Kind::kDeleteMeta:
          status = batch.Delete(column(kMetaColumn), op.key);
          break;
        case WriteBatch::Kind::kDeleteRecordRange:
          if (op.from_seq < op.to_seq) {
            status = batch.DeleteRange(column(kRecordsColumn),
                                       codec::RecordKey(op.stream_uid, op.shard_index, op.from_seq),
                                       codec::RecordKey(op.stream_uid, op.shard_index, op.to_seq));
          }
          break;
        case WriteBatch::Kind::kDeleteStream: {
          auto prefix = codec::StreamPrefix(op.stream_uid);
          status = batch.DeleteRange(column(kRecordsColumn), prefix, codec::PrefixRangeEnd(prefix));
          break;
        }
      }
      if (!status.ok()) return Failure("write", status);
    }
  }
  std::string encoded_lsn;
  codec::PutFixed64BE(&encoded_lsn, lsn);
  status = batch.Put(column(kDefaultColumn), kAppliedLsnKey, encoded_lsn);
  if (!status.ok()) return Failure("write", status);
  SLUICE_RETURN_IF_ERROR(WriteOrFail("write", &batch, sync));
  applied_lsn_.store(lsn, std::memory_order_release);
  return Status::Ok();
}

Result<std::vector<StoredRecord>> RocksNode::ReadRecords(const RecordRange& range) const {
  std::vector<StoredRecord> records;
  if (range.from_seq >= range.to_seq || range.max_records == 0) return records;

  const std::string upper = codec::RecordKey(range.stream_uid, range.shard_index, range.to_seq);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(read, column(kRecordsColumn)));

  uint64_t start = range.from_seq;
  if (range.min_arrival_ms != INT64_MIN) {
    // Expired records sit at the front of the shard (arrival times are non-decreasing); jump
    // over them with a binary search rather than scanning them.
    it->Seek(codec::RecordKey(range.stream_uid, range.shard_index, start));
    int64_t arrival = 0;
    if (it->Valid() && codec::DecodeArrivalMs(it->value().ToStringView(), &arrival) &&
        arrival < range.min_arrival_ms) {
      auto first = SearchArrival(it.get(), range.stream_uid, range.shard_index,
                                 range.min_arrival_ms, range.from_seq, range.to_seq);
      if (!first.ok()) return first.status();
      if (!first->has_value()) return records;
      start = **first;
    }
  }

  size_t bytes = 0;
  for (it->Seek(codec::RecordKey(range.stream_uid, range.shard_index, start));
       it->Valid() && records.size() < range.max_records; it->Next()) {
    StoredRecord record;
    if (!codec::DecodeSeqIndex(it->key().ToStringView(), &record.seq_index) ||
        !codec::DecodeRecordValue(it->value().ToStringView(), &record)) {
      return Failure("read", rocksdb::Status::Corruption("malformed record"));
    }
    if (record.arrival_ms < range.min_arrival_ms) continue;
    size_t size = record.data.size() + record.partition_key.size();
    if (!records.empty() && bytes + size > range.max_bytes) break;
    bytes += size;
    records.push_back(std::move(record));
  }
  if (!it->status().ok()) return Failure("read", it->status());
  return records;
}

Result<std::optional<uint64_t>> RocksNode::SearchArrival(rocksdb::Iterator* it, uint64_t stream_uid,
                                                         uint32_t shard_index, int64_t at_ms,
                                                         uint64_t from_seq, uint64_t to_seq) const {
  // Invariant: the answer is `found` or a seq in [low, high). Seq indices may have gaps, so
  // each probe seeks to the first record at or after `mid`.
  std::optional<uint64_t> found;
  uint64_t low = from_seq;
  uint64_t high = to_seq;
  while (low < high) {
    uint64_t mid = low + (high - low) / 2;
    it->Seek(codec::RecordKey(stream_uid, shard_index, mid));
    if (!it->Valid()) {
      if (!it->status().ok()) return Failure("read", it->status());
      high = mid;  // no record in [mid, to_seq)
      continue;
    }
    uint64_t seq = 0;
    int64_t arrival = 0;
    if (!codec::DecodeSeqIndex(it->key().ToStringView(), &seq) ||
        !codec::DecodeArrivalMs(it->value().ToStringView(), &arrival)) {
      return Failure("read", rocksdb::Status::Corruption("malformed record"));
    }
    if (arrival >= at_ms) {
      found = seq;  // nothing in [mid, seq) exists, so look only below mid
      high = mid;
    } else {
      low = seq + 1;
    }
  }
  return found;
}

Result<std::optional<uint64_t>> RocksNode::FirstSeqAtOrAfter(uint64_t stream_uid,
                                                             uint32_t shard_index, int64_t at_ms,
                                                             uint64_t from_seq,
                                                             uint64_t to_seq) const {
  if (from_seq >= to_seq) return std::optional<uint64_t>();
  const std::string upper = codec::RecordKey(stream_uid, shard_index, to_seq);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(read, column(kRecordsColumn)));
  return SearchArrival(it.get(), stream_uid, shard_index, at_ms, from_seq, to_seq);
}

// The sequence index of the record `it` points at, if it is valid and inside `prefix` (one
// shard); a read error becomes a failed Result.
Result<std::optional<uint64_t>> RocksNode::SeqUnder(const rocksdb::Iterator& it,
                                                    const std::string& prefix) const {
  if (!it.Valid()) {
    if (!it.status().ok()) return Failure("read", it.status());
    return std::optional<uint64_t>();
  }
  uint64_t seq = 0;
  if (!it.key().starts_with(prefix) || !codec::DecodeSeqIndex(it.key().ToStringView(), &seq)) {
    return std::optional<uint64_t>();
  }
  return std::optional<uint64_t>(seq);
}

Result<std::optional<uint64_t>> RocksNode::LastSeq(uint64_t stream_uid,
                                                   uint32_t shard_index) const {
  const std::string prefix = codec::ShardPrefix(stream_uid, shard_index);
  const std::string upper = codec::PrefixRangeEnd(prefix);
  rocksdb::Slice lower_slice(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &lower_slice;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(read, column(kRecordsColumn)));
  it->SeekForPrev(codec::RecordKey(stream_uid, shard_index, UINT64_MAX));
  return SeqUnder(*it, prefix);
}

Result<std::optional<uint64_t>> RocksNode::FirstSeq(uint64_t stream_uid,
                                                    uint32_t shard_index) const {
  const std::string prefix = codec::ShardPrefix(stream_uid, shard_index);
  const std::string upper = codec::PrefixRangeEnd(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(read, column(kRecordsColumn)));
  it->Seek(prefix);
  return SeqUnder(*it, prefix);
}

Result<std::optional<std::string>> RocksNode::GetMeta(const std::string& key) const {
  std::string value;
  auto status = db_->db->Get(rocksdb::ReadOptions(), column(kMetaColumn), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return Failure("read", status);
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::pair<std::string, std::string>>> RocksNode::ScanMeta(
    const std::string& prefix) const {
  std::vector<std::pair<std::string, std::string>> entries;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db->NewIterator(rocksdb::ReadOptions(), column(kMetaColumn)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    entries.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return Failure("read", it->status());
  return entries;
}

}  // namespace sluice::storage
