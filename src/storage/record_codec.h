#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/storage/write_batch.h"

// The byte layout of the records column family. Private to the storage layer.
//
// Key:   [stream_uid u64 BE][shard_index u32 BE][seq_index u64 BE]  (20 bytes)
//        Big-endian, so a shard is one contiguous key range in seq order and a stream is one
//        contiguous range of shards.
// Value, one of two forms; the key names the first (or only) record's seq_index:
//   a record:  [format u8 = 1 or 2][arrival_ms i64 BE][record body]
//              Format 1 is a record written without server-side encryption, format 2 one written
//              with it; records written before format 2 existed read as before.
//   a batch:   [format u8 = 3][arrival_ms i64 BE][flags u8: 1 = encrypted][count varint]
//              [record body] x count
//              `count` records with consecutive seq_index from the key's, one arrival time and
//              one encryption flag: the records one put wrote to one shard. One RocksDB entry per
//              batch rather than per record: a 500-record put costs a handful of memtable
//              inserts per node instead of 500, and reads decode a batch in one pass.
//   record body: [varint len][partition_key][varint len][explicit_hash_key][varint len][data]
// A batch never straddles what retention deletes: a delete up to a seq_index inside a batch
// keeps the whole batch (reads skip its expired records by arrival time).
namespace sluice::storage::codec {

inline constexpr size_t kRecordKeySize = 20;
inline constexpr size_t kShardPrefixSize = 12;
inline constexpr size_t kStreamPrefixSize = 8;

std::string RecordKey(uint64_t stream_uid, uint32_t shard_index, uint64_t seq_index);
std::string ShardPrefix(uint64_t stream_uid, uint32_t shard_index);
std::string StreamPrefix(uint64_t stream_uid);
// An exclusive end key above every record key that starts with `prefix` (a prefix of a record
// key) and below every record key that does not and sorts after it.
std::string PrefixRangeEnd(std::string_view prefix);

// The seq_index of a record key; false if `key` is not a record key.
bool DecodeSeqIndex(std::string_view key, uint64_t* seq_index);

void EncodeRecordValue(const StoredRecord& record, std::string* out);
// A batch value of `records`, which have consecutive seq_index, one arrival time and one
// encryption flag (the caller checks). At least two: one record is a record value.
void EncodeRecordBatchValue(const std::vector<const StoredRecord*>& records, std::string* out);
// Fills every field of `record` but seq_index from a one-record value. False when `value` is
// malformed or a batch.
bool DecodeRecordValue(std::string_view value, StoredRecord* record);
// Reads only the arrival time, for binary searches. False when `value` is malformed.
bool DecodeArrivalMs(std::string_view value, int64_t* arrival_ms);

// The records of any value, one at a time:
//   ValueReader reader(value); if (!reader.ok()) ...;
//   while (reader.Next(&record)) ...;  then reader.ok() tells a clean end from a malformed one.
class ValueReader {
 public:
  explicit ValueReader(std::string_view value);
  bool ok() const { return ok_; }
  int64_t arrival_ms() const { return arrival_ms_; }
  uint64_t count() const { return count_; }  // records in the value (1 for a record value)
  // Fills `record`'s partition key, explicit hash key, data, arrival time and encryption flag
  // (not seq_index: the key's plus the record's place) with the next record; false at the end
  // or when the value is malformed.
  bool Next(StoredRecord* record);
  // Skips the next record without copying it; false as Next.
  bool Skip();

 private:
  bool Finish();  // at the end: whether nothing is left over
  std::string_view rest_;
  int64_t arrival_ms_ = 0;
  bool encrypted_ = false;
  uint64_t count_ = 0;
  uint64_t read_ = 0;
  bool ok_ = true;
};

void PutFixed64BE(std::string* out, uint64_t value);
uint64_t GetFixed64BE(const char* p);

}  // namespace sluice::storage::codec
