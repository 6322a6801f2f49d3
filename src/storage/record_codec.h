#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/storage/write_batch.h"

// The byte layout of the records column family. Private to the storage layer.
//
// Key:   [stream_uid u64 BE][shard_index u32 BE][seq_index u64 BE]  (20 bytes)
//        Big-endian, so a shard is one contiguous key range in seq order and a stream is one
//        contiguous range of shards.
// Value: [format u8][arrival_ms i64 BE][varint len][partition_key]
//        [varint len][explicit_hash_key][varint len][data]
//        Format 1 is a record written without server-side encryption, format 2 one written with
//        it; the layout is the same, so records written before format 2 existed read as before.
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
// Fills every field of `record` but seq_index. False when `value` is malformed.
bool DecodeRecordValue(std::string_view value, StoredRecord* record);
// Reads only the arrival time, for binary searches. False when `value` is malformed.
bool DecodeArrivalMs(std::string_view value, int64_t* arrival_ms);

void PutFixed64BE(std::string* out, uint64_t value);
uint64_t GetFixed64BE(const char* p);

}  // namespace sluice::storage::codec
