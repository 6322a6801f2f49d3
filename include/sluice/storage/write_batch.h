#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::storage {

// One record as the storage layer keeps it. The key is (stream_uid, shard_index, seq_index);
// the rest is the value. Storage knows nothing of Kinesis formats: sequence-number strings,
// base64 and JSON live above it.
struct StoredRecord {
  uint64_t seq_index = 0;  // position in the shard; strictly increasing, may have gaps
  int64_t arrival_ms = 0;  // approximate arrival time, epoch milliseconds; non-decreasing
  std::string partition_key;
  std::string explicit_hash_key;  // empty when the producer gave none
  std::string data;
  // Written while its stream had server-side encryption on; reads report it per record.
  bool encrypted = false;
};

// An ordered list of mutations applied atomically by one storage node. The replication layer
// sends the same batch to every node, so a batch must be deterministic: applying it to two
// nodes in the same state leaves them in the same state.
class WriteBatch {
 public:
  enum class Kind {
    kPutRecord,          // records[stream_uid, shard_index, record.seq_index] = record
    kPutMeta,            // meta[key] = value
    kDeleteMeta,         // erase meta[key]
    kDeleteRecordRange,  // erase records of (stream_uid, shard_index) with seq in [from, to),
                         // but none of the records one put stored with the record `to`
    kDeleteStream,       // erase every record of stream_uid
  };
  struct Op {
    Kind kind;
    uint64_t stream_uid = 0;
    uint32_t shard_index = 0;
    StoredRecord record;    // kPutRecord
    std::string key;        // kPutMeta, kDeleteMeta
    std::string value;      // kPutMeta
    uint64_t from_seq = 0;  // kDeleteRecordRange
    uint64_t to_seq = 0;    // kDeleteRecordRange, exclusive
  };

  void PutRecord(uint64_t stream_uid, uint32_t shard_index, StoredRecord record);
  void PutMeta(std::string key, std::string value);
  void DeleteMeta(std::string key);
  void DeleteRecordRange(uint64_t stream_uid, uint32_t shard_index, uint64_t from_seq,
                         uint64_t to_seq);
  void DeleteStream(uint64_t stream_uid);

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  // Approximate payload size in bytes, for group-commit sizing and metrics.
  size_t ByteSize() const { return byte_size_; }

 private:
  std::vector<Op> ops_;
  size_t byte_size_ = 0;
};

}  // namespace sluice::storage
