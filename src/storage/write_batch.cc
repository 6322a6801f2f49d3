#include "sluice/storage/write_batch.h"

#include <utility>

namespace sluice::storage {
namespace {

// A rough per-operation overhead (key and framing) for ByteSize().
constexpr size_t kOpOverhead = 24;

}  // namespace

void WriteBatch::PutRecord(uint64_t stream_uid, uint32_t shard_index, StoredRecord record) {
  Op op{};
  op.kind = Kind::kPutRecord;
  op.stream_uid = stream_uid;
  op.shard_index = shard_index;
  byte_size_ += kOpOverhead + record.partition_key.size() + record.explicit_hash_key.size() +
                record.data.size();
  op.record = std::move(record);
  ops_.push_back(std::move(op));
}

void WriteBatch::PutMeta(std::string key, std::string value) {
  Op op{};
  op.kind = Kind::kPutMeta;
  byte_size_ += kOpOverhead + key.size() + value.size();
  op.key = std::move(key);
  op.value = std::move(value);
  ops_.push_back(std::move(op));
}

void WriteBatch::DeleteMeta(std::string key) {
  Op op{};
  op.kind = Kind::kDeleteMeta;
  byte_size_ += kOpOverhead + key.size();
  op.key = std::move(key);
  ops_.push_back(std::move(op));
}

void WriteBatch::DeleteRecordRange(uint64_t stream_uid, uint32_t shard_index, uint64_t from_seq,
                                   uint64_t to_seq) {
  Op op{};
  op.kind = Kind::kDeleteRecordRange;
  op.stream_uid = stream_uid;
  op.shard_index = shard_index;
  op.from_seq = from_seq;
  op.to_seq = to_seq;
  byte_size_ += kOpOverhead;
  ops_.push_back(std::move(op));
}

void WriteBatch::DeleteStream(uint64_t stream_uid) {
  Op op{};
  op.kind = Kind::kDeleteStream;
  op.stream_uid = stream_uid;
  byte_size_ += kOpOverhead;
  ops_.push_back(std::move(op));
}

}  // namespace sluice::storage
