#include "storage/record_codec.h"

namespace sluice::storage::codec {
namespace {

constexpr uint8_t kPlainFormat = 1;
constexpr uint8_t kEncryptedFormat = 2;
constexpr uint8_t kBatchFormat = 3;
constexpr uint8_t kBatchEncrypted = 1;  // in a batch's flags
constexpr size_t kArrivalOffset = 1;
constexpr size_t kFixedHeaderSize = 1 + 8;

void PutFixed32BE(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

void PutVarint(std::string* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view* in, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

bool GetLengthPrefixed(std::string_view* in, std::string* out) {
  uint64_t length = 0;
  if (!GetVarint(in, &length) || length > in->size()) return false;
  out->assign(in->data(), length);
  in->remove_prefix(length);
  return true;
}

bool SkipLengthPrefixed(std::string_view* in) {
  uint64_t length = 0;
  if (!GetVarint(in, &length) || length > in->size()) return false;
  in->remove_prefix(length);
  return true;
}

void PutRecordBody(const StoredRecord& record, std::string* out) {
  PutVarint(out, record.partition_key.size());
  out->append(record.partition_key);
  PutVarint(out, record.explicit_hash_key.size());
  out->append(record.explicit_hash_key);
  PutVarint(out, record.data.size());
  out->append(record.data);
}

size_t BodySizeBound(const StoredRecord& record) {
  return 30 + record.partition_key.size() + record.explicit_hash_key.size() + record.data.size();
}

}  // namespace

void PutFixed64BE(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}

uint64_t GetFixed64BE(const char* p) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(p[i]);
  return value;
}

std::string RecordKey(uint64_t stream_uid, uint32_t shard_index, uint64_t seq_index) {
  std::string key;
  key.reserve(kRecordKeySize);
  PutFixed64BE(&key, stream_uid);
  PutFixed32BE(&key, shard_index);
  PutFixed64BE(&key, seq_index);
  return key;
}

std::string ShardPrefix(uint64_t stream_uid, uint32_t shard_index) {
  std::string key;
  key.reserve(kShardPrefixSize);
  PutFixed64BE(&key, stream_uid);
  PutFixed32BE(&key, shard_index);
  return key;
}

std::string StreamPrefix(uint64_t stream_uid) {
  std::string key;
  PutFixed64BE(&key, stream_uid);
  return key;
}

std::string PrefixRangeEnd(std::string_view prefix) {
  // Every record key is exactly kRecordKeySize bytes, so padding the prefix with 0xff gives
  // the largest key with that prefix; one more byte makes the bound exclusive.
  std::string end(prefix);
  if (end.size() < kRecordKeySize) end.append(kRecordKeySize - end.size(), '\xff');
  end.push_back('\0');
  return end;
}

bool DecodeSeqIndex(std::string_view key, uint64_t* seq_index) {
  if (key.size() != kRecordKeySize) return false;
  *seq_index = GetFixed64BE(key.data() + kShardPrefixSize);
  return true;
}

void EncodeRecordValue(const StoredRecord& record, std::string* out) {
  out->clear();
  out->reserve(kFixedHeaderSize + BodySizeBound(record));
  out->push_back(static_cast<char>(record.encrypted ? kEncryptedFormat : kPlainFormat));
  PutFixed64BE(out, static_cast<uint64_t>(record.arrival_ms));
  PutRecordBody(record, out);
}

void EncodeRecordBatchValue(const std::vector<const StoredRecord*>& records, std::string* out) {
  size_t size = kFixedHeaderSize + 1 + 10;
  for (const StoredRecord* record : records) size += BodySizeBound(*record);
  out->clear();
  out->reserve(size);
  out->push_back(static_cast<char>(kBatchFormat));
  PutFixed64BE(out, static_cast<uint64_t>(records.front()->arrival_ms));
  out->push_back(static_cast<char>(records.front()->encrypted ? kBatchEncrypted : 0));
  PutVarint(out, records.size());
  for (const StoredRecord* record : records) PutRecordBody(*record, out);
}

bool DecodeArrivalMs(std::string_view value, int64_t* arrival_ms) {
  if (value.size() < kFixedHeaderSize) return false;
  const auto format = static_cast<uint8_t>(value[0]);
  if (format != kPlainFormat && format != kEncryptedFormat && format != kBatchFormat) return false;
  *arrival_ms = static_cast<int64_t>(GetFixed64BE(value.data() + kArrivalOffset));
  return true;
}

bool DecodeRecordValue(std::string_view value, StoredRecord* record) {
  if (!value.empty() && static_cast<uint8_t>(value[0]) == kBatchFormat) return false;
  ValueReader reader(value);
  return reader.Next(record) && !reader.Skip() && reader.ok();
}

ValueReader::ValueReader(std::string_view value) : rest_(value) {
  if (!DecodeArrivalMs(value, &arrival_ms_)) {
    ok_ = false;
    return;
  }
  const auto format = static_cast<uint8_t>(value[0]);
  rest_.remove_prefix(kFixedHeaderSize);
  if (format != kBatchFormat) {
    encrypted_ = format == kEncryptedFormat;
    count_ = 1;
    return;
  }
  if (rest_.empty()) {
    ok_ = false;
    return;
  }
  encrypted_ = (static_cast<uint8_t>(rest_.front()) & kBatchEncrypted) != 0;
  rest_.remove_prefix(1);
  ok_ = GetVarint(&rest_, &count_) && count_ > 0;
}

bool ValueReader::Finish() {
  if (!rest_.empty()) ok_ = false;
  return false;
}

bool ValueReader::Next(StoredRecord* record) {
  if (!ok_) return false;
  if (read_ == count_) return Finish();
  if (!GetLengthPrefixed(&rest_, &record->partition_key) ||
      !GetLengthPrefixed(&rest_, &record->explicit_hash_key) ||
      !GetLengthPrefixed(&rest_, &record->data)) {
    ok_ = false;
    return false;
  }
  record->arrival_ms = arrival_ms_;
  record->encrypted = encrypted_;
  ++read_;
  return true;
}

bool ValueReader::Skip() {
  if (!ok_) return false;
  if (read_ == count_) return Finish();
  if (!SkipLengthPrefixed(&rest_) || !SkipLengthPrefixed(&rest_) || !SkipLengthPrefixed(&rest_)) {
    ok_ = false;
    return false;
  }
  ++read_;
  return true;
}

}  // namespace sluice::storage::codec
