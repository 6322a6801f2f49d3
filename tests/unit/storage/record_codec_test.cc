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
  value[0] = '\x04';
  EXPECT_FALSE(DecodeRecordValue(value, &decoded));
  EXPECT_FALSE(DecodeRecordValue("", &decoded));
}

TEST(RecordCodecTest, BatchValueRoundTripAndMalformedBatches) {
  std::vector<StoredRecord> records(3);
  std::vector<const StoredRecord*> pointers;
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].seq_index = 10 + i;
    records[i].arrival_ms = 1234;
    records[i].encrypted = true;
    records[i].partition_key = "pk" + std::to_string(i);
    records[i].explicit_hash_key = i == 1 ? "42" : "";
    records[i].data = std::string(i * 100, static_cast<char>('a' + i));
    pointers.push_back(&records[i]);
  }
  std::string value;
  EncodeRecordBatchValue(pointers, &value);
  int64_t arrival = 0;
  ASSERT_TRUE(DecodeArrivalMs(value, &arrival));
  EXPECT_EQ(arrival, 1234);
  StoredRecord decoded;
  EXPECT_FALSE(DecodeRecordValue(value, &decoded));  // a batch is not one record

  ValueReader reader(value);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader.count(), 3u);
  EXPECT_EQ(reader.arrival_ms(), 1234);
  for (const auto& record : records) {
    ASSERT_TRUE(reader.Next(&decoded));
    EXPECT_EQ(decoded.partition_key, record.partition_key);
    EXPECT_EQ(decoded.explicit_hash_key, record.explicit_hash_key);
    EXPECT_EQ(decoded.data, record.data);
    EXPECT_EQ(decoded.arrival_ms, 1234);
    EXPECT_TRUE(decoded.encrypted);
  }
  EXPECT_FALSE(reader.Next(&decoded));
  EXPECT_TRUE(reader.ok());

  ValueReader skipping(value);
  ASSERT_TRUE(skipping.Skip());
  ASSERT_TRUE(skipping.Skip());
  ASSERT_TRUE(skipping.Next(&decoded));
  EXPECT_EQ(decoded.partition_key, "pk2");
  EXPECT_FALSE(skipping.Skip());
  EXPECT_TRUE(skipping.ok());

  // Cut short, with bytes left over, or a count past what is there: malformed, never a crash.
  for (const std::string& bad : {value.substr(0, value.size() - 1), value + "x",
                                 value.substr(0, 10), std::string(value.substr(0, 9))}) {
    ValueReader broken(bad);
    while (broken.Next(&decoded)) {
    }
    EXPECT_FALSE(broken.ok()) << bad.size();
  }
  std::string zero = value.substr(0, 10) + std::string(1, '\0');  // a batch of no records
  EXPECT_FALSE(ValueReader(zero).ok());

  // A one-record value reads through the same reader.
  EncodeRecordValue(records[1], &value);
  ValueReader single(value);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single.count(), 1u);
  ASSERT_TRUE(single.Next(&decoded));
  EXPECT_EQ(decoded.explicit_hash_key, "42");
  EXPECT_FALSE(single.Next(&decoded));
  EXPECT_TRUE(single.ok());
}

}  // namespace
}  // namespace sluice::storage::codec
