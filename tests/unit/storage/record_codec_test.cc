#include "storage/record_codec.h"

#include <gtest/gtest.h>

namespace sluice::storage::codec {
namespace {

TEST(RecordCodecTest, KeysSortByStreamShardThenSeq) {
  EXPECT_LT(RecordKey(1, 0, 500), RecordKey(1, 1, 0));
  EXPECT_LT(RecordKey(1, 7, 0xffffffff), RecordKey(1, 7, 0x100000000));
  EXPECT_LT(RecordKey(1, UINT32_MAX, UINT64_MAX), RecordKey(2, 0, 0));
  EXPECT_EQ(RecordKey(3, 4, 5).size(), kRecordKeySize);
  uint64_t seq = 0;
  ASSERT_TRUE(DecodeSeqIndex(RecordKey(3, 4, 0x0102030405060708), &seq));
  EXPECT_EQ(seq, 0x0102030405060708u);
  EXPECT_FALSE(DecodeSeqIndex("short", &seq));
}

TEST(RecordCodecTest, PrefixRangeEndCoversExactlyThePrefix) {
  auto prefix = ShardPrefix(9, UINT32_MAX);
  auto end = PrefixRangeEnd(prefix);
  EXPECT_LT(RecordKey(9, UINT32_MAX, UINT64_MAX), end);
  EXPECT_GT(RecordKey(10, 0, 0), end);
  auto stream_end = PrefixRangeEnd(StreamPrefix(UINT64_MAX));
  EXPECT_LT(RecordKey(UINT64_MAX, UINT32_MAX, UINT64_MAX), stream_end);
}

TEST(RecordCodecTest, ValueRoundTrip) {
  StoredRecord record;
  record.arrival_ms = -42;
  record.partition_key = "pk";
  record.explicit_hash_key = "";
  record.data = std::string(300, '\0') + "tail";
  std::string value;
  EncodeRecordValue(record, &value);
  StoredRecord decoded;
  ASSERT_TRUE(DecodeRecordValue(value, &decoded));
  EXPECT_EQ(decoded.arrival_ms, -42);
  EXPECT_EQ(decoded.partition_key, "pk");
  EXPECT_EQ(decoded.explicit_hash_key, "");
  EXPECT_EQ(decoded.data, record.data);
  int64_t arrival = 0;
  ASSERT_TRUE(DecodeArrivalMs(value, &arrival));
  EXPECT_EQ(arrival, -42);
  EXPECT_FALSE(DecodeRecordValue(value.substr(0, value.size() - 1), &decoded));
  EXPECT_FALSE(decoded.encrypted);
  EXPECT_EQ(value[0], '\x01');  // records without encryption keep the first format, byte for byte

  record.encrypted = true;
  EncodeRecordValue(record, &value);
  ASSERT_TRUE(DecodeRecordValue(value, &decoded));
  EXPECT_TRUE(decoded.encrypted);
  EXPECT_EQ(decoded.data, record.data);
  ASSERT_TRUE(DecodeArrivalMs(value, &arrival));
  EXPECT_EQ(arrival, -42);
  value[0] = '\x03';
  EXPECT_FALSE(DecodeRecordValue(value, &decoded));
  EXPECT_FALSE(DecodeRecordValue("", &decoded));
}

}  // namespace
}  // namespace sluice::storage::codec
