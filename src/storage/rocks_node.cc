#include "storage/rocks_node.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <climits>
#include <system_error>
#include <tuple>
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
  Added added;
  for (const WriteBatch* source : batches) {
    const auto& ops = source->ops();
    if (!ops.empty() && std::all_of(ops.begin(), ops.end(), [](const WriteBatch::Op& op) {
          return op.kind == WriteBatch::Kind::kPutRecord;
        })) {
      SLUICE_RETURN_IF_ERROR(AddRecords(*source, &batch, &added));
      continue;
    }
    for (const WriteBatch::Op& op : ops) {
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
        case WriteBatch::Kind::kDeleteRecordRange: {
          auto end = DeleteEnd(op.stream_uid, op.shard_index, op.to_seq, added);
          if (!end.ok()) return end.status();
          if (op.from_seq < *end) {
            status = batch.DeleteRange(column(kRecordsColumn),
                                       codec::RecordKey(op.stream_uid, op.shard_index, op.from_seq),
                                       codec::RecordKey(op.stream_uid, op.shard_index, *end));
          }
          break;
        }
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

Status RocksNode::AddRecords(const WriteBatch& source, rocksdb::WriteBatch* batch, Added* added) {
  // The records of each shard, in the source's order: a put numbers each shard's records
  // consecutively in that order, with one arrival time.
  std::vector<const WriteBatch::Op*> ops;
  ops.reserve(source.ops().size());
  for (const WriteBatch::Op& op : source.ops()) ops.push_back(&op);
  std::stable_sort(ops.begin(), ops.end(), [](const WriteBatch::Op* a, const WriteBatch::Op* b) {
    return std::tie(a->stream_uid, a->shard_index) < std::tie(b->stream_uid, b->shard_index);
  });
  std::vector<const StoredRecord*> run;
  std::string value;
  for (size_t i = 0; i < ops.size();) {
    // The longest run from i that one batch entry can hold.
    const WriteBatch::Op& first = *ops[i];
    run.assign(1, &first.record);
    size_t j = i + 1;
    for (; j < ops.size(); ++j) {
      const WriteBatch::Op& op = *ops[j];
      const StoredRecord& last = *run.back();
      if (op.stream_uid != first.stream_uid || op.shard_index != first.shard_index ||
          op.record.seq_index != last.seq_index + 1 || op.record.arrival_ms != last.arrival_ms ||
          op.record.encrypted != last.encrypted) {
        break;
      }
      run.push_back(&op.record);
    }
    if (run.size() == 1) {
      codec::EncodeRecordValue(first.record, &value);
    } else {
      codec::EncodeRecordBatchValue(run, &value);
      (*added)[{first.stream_uid, first.shard_index}].emplace_back(
          first.record.seq_index, first.record.seq_index + run.size());
    }
    auto status = batch->Put(
        column(kRecordsColumn),
        codec::RecordKey(first.stream_uid, first.shard_index, first.record.seq_index), value);
    if (!status.ok()) return Failure("write", status);
    i = j;
  }
  return Status::Ok();
}

Result<std::optional<RocksNode::Entry>> RocksNode::EntryUnder(const rocksdb::Iterator& it,
                                                              const std::string& prefix) const {
  if (!it.Valid()) {
    if (!it.status().ok()) return Failure("read", it.status());
    return std::optional<Entry>();
  }
  Entry entry{};
  if (!it.key().starts_with(prefix)) return std::optional<Entry>();
  codec::ValueReader reader(it.value().ToStringView());
  if (!codec::DecodeSeqIndex(it.key().ToStringView(), &entry.first_seq) || !reader.ok()) {
    return Failure("read", rocksdb::Status::Corruption("malformed record"));
  }
  entry.count = reader.count();
  entry.arrival_ms = reader.arrival_ms();
  return std::optional<Entry>(entry);
}

std::unique_ptr<RocksNode::ShardCursor> RocksNode::OpenShard(uint64_t stream_uid,
                                                             uint32_t shard_index,
                                                             uint64_t to_seq) const {
  auto cursor = std::make_unique<ShardCursor>();
  cursor->stream_uid = stream_uid;
  cursor->shard_index = shard_index;
  cursor->prefix = codec::ShardPrefix(stream_uid, shard_index);
  // UINT64_MAX: the whole shard (a record may have that very index).
  cursor->upper = to_seq == UINT64_MAX ? codec::PrefixRangeEnd(cursor->prefix)
                                       : codec::RecordKey(stream_uid, shard_index, to_seq);
  cursor->lower_slice = rocksdb::Slice(cursor->prefix);
  cursor->upper_slice = rocksdb::Slice(cursor->upper);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &cursor->lower_slice;
  read.iterate_upper_bound = &cursor->upper_slice;
  cursor->it.reset(db_->db->NewIterator(read, column(kRecordsColumn)));
  return cursor;
}

Result<std::optional<RocksNode::Entry>> RocksNode::SeekEntry(ShardCursor& cursor,
                                                             uint64_t seq) const {
  const std::string key = codec::RecordKey(cursor.stream_uid, cursor.shard_index, seq);
  cursor.it->SeekForPrev(key);
  auto entry = EntryUnder(*cursor.it, cursor.prefix);
  if (!entry.ok()) return entry.status();
  if (entry->has_value() && (*entry)->end() > seq) return entry;  // it holds `seq`
  cursor.it->Seek(key);
  return EntryUnder(*cursor.it, cursor.prefix);
}

Result<std::vector<StoredRecord>> RocksNode::ReadRecords(const RecordRange& range) const {
  std::vector<StoredRecord> records;
  if (range.from_seq >= range.to_seq || range.max_records == 0) return records;

  // One iterator for the search and the read.
  auto cursor = OpenShard(range.stream_uid, range.shard_index, range.to_seq);
  uint64_t start = range.from_seq;
  if (range.min_arrival_ms != INT64_MIN) {
    // Expired records sit at the front of the shard (arrival times are non-decreasing); jump
    // over them with a binary search rather than scanning them.
    auto first = SearchArrival(*cursor, range.min_arrival_ms, range.from_seq, range.to_seq);
    if (!first.ok()) return first.status();
    if (!first->has_value()) return records;
    start = **first;
  }

  auto entry = SeekEntry(*cursor, start);
  if (!entry.ok()) return entry.status();
  size_t bytes = 0;
  while (entry->has_value() && records.size() < range.max_records) {
    codec::ValueReader reader(cursor->it->value().ToStringView());
    uint64_t seq = (*entry)->first_seq;
    for (; seq < start && reader.Skip(); ++seq) {
    }
    StoredRecord record;
    for (; seq < range.to_seq && records.size() < range.max_records && reader.Next(&record);
         ++seq) {
      if (record.arrival_ms < range.min_arrival_ms) continue;
      size_t size = record.data.size() + record.partition_key.size();
      if (!records.empty() && bytes + size > range.max_bytes) return records;
      bytes += size;
      record.seq_index = seq;
      records.push_back(std::move(record));
    }
    if (!reader.ok()) return Failure("read", rocksdb::Status::Corruption("malformed record"));
    cursor->it->Next();
    entry = EntryUnder(*cursor->it, cursor->prefix);
    if (!entry.ok()) return entry.status();
  }
  return records;
}

Result<std::optional<uint64_t>> RocksNode::SearchArrival(ShardCursor& cursor, int64_t at_ms,
                                                         uint64_t from_seq, uint64_t to_seq) const {
  if (from_seq >= to_seq) return std::optional<uint64_t>();
  // The entry holding from_seq, when a batch that starts before it does: all of its records
  // share one arrival time.
  auto holding = SeekEntry(cursor, from_seq);
  if (!holding.ok()) return holding.status();
  if (holding->has_value() && (*holding)->arrival_ms >= at_ms) {
    // It holds from_seq, or it is the first entry after it.
    return std::optional<uint64_t>(std::max(from_seq, (*holding)->first_seq));
  }
  if (!holding->has_value()) return std::optional<uint64_t>();  // nothing at or after from_seq
  uint64_t low = (*holding)->end();
  // Then a binary search over the entries starting in [low, to_seq). Invariant: the answer is
  // `found` or the start of an entry in [low, high). Seq indices may have gaps, so each probe
  // seeks to the first entry at or after `mid`.
  std::optional<uint64_t> found;
  uint64_t high = to_seq;
  while (low < high) {
    uint64_t mid = low + (high - low) / 2;
    cursor.it->Seek(codec::RecordKey(cursor.stream_uid, cursor.shard_index, mid));
    auto entry = EntryUnder(*cursor.it, cursor.prefix);
    if (!entry.ok()) return entry.status();
    if (!entry->has_value()) {
      high = mid;  // no entry starts in [mid, to_seq)
      continue;
    }
    if ((*entry)->arrival_ms >= at_ms) {
      found = (*entry)->first_seq;  // no entry starts in [mid, first_seq): look only below mid
      high = mid;
    } else {
      low = (*entry)->end();
    }
  }
  return found;
}

Result<std::optional<uint64_t>> RocksNode::FirstSeqAtOrAfter(uint64_t stream_uid,
                                                             uint32_t shard_index, int64_t at_ms,
                                                             uint64_t from_seq,
                                                             uint64_t to_seq) const {
  if (from_seq >= to_seq) return std::optional<uint64_t>();
  auto cursor = OpenShard(stream_uid, shard_index, to_seq);
  return SearchArrival(*cursor, at_ms, from_seq, to_seq);
}

Result<uint64_t> RocksNode::DeleteEnd(uint64_t stream_uid, uint32_t shard_index, uint64_t to_seq,
                                      const Added& added) const {
  if (auto pending = added.find({stream_uid, shard_index}); pending != added.end()) {
    for (const auto& [first, end] : pending->second) {
      if (first < to_seq && to_seq < end) return first;
    }
  }
  auto cursor = OpenShard(stream_uid, shard_index, UINT64_MAX);
  auto entry = SeekEntry(*cursor, to_seq);
  if (!entry.ok()) return entry.status();
  if (entry->has_value() && (*entry)->first_seq < to_seq) return (*entry)->first_seq;
  return to_seq;
}

Result<std::optional<uint64_t>> RocksNode::LastSeq(uint64_t stream_uid,
                                                   uint32_t shard_index) const {
  auto cursor = OpenShard(stream_uid, shard_index, UINT64_MAX);
  cursor->it->SeekToLast();
  auto entry = EntryUnder(*cursor->it, cursor->prefix);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return std::optional<uint64_t>();
  return std::optional<uint64_t>((*entry)->end() - 1);
}

Result<std::optional<uint64_t>> RocksNode::FirstSeq(uint64_t stream_uid,
                                                    uint32_t shard_index) const {
  auto cursor = OpenShard(stream_uid, shard_index, UINT64_MAX);
  cursor->it->SeekToFirst();
  auto entry = EntryUnder(*cursor->it, cursor->prefix);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return std::optional<uint64_t>();
  return std::optional<uint64_t>((*entry)->first_seq);
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
