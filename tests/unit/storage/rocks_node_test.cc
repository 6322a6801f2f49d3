#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sluice/storage/storage_node.h"
#include "support/temp_dir.h"

namespace sluice::storage {
namespace {

StoredRecord MakeRecord(uint64_t seq, int64_t arrival_ms, std::string data,
                        std::string partition_key = "pk") {
  StoredRecord record;
  record.seq_index = seq;
  record.arrival_ms = arrival_ms;
  record.partition_key = std::move(partition_key);
  record.data = std::move(data);
  return record;
}

std::vector<uint64_t> Seqs(const std::vector<StoredRecord>& records) {
  std::vector<uint64_t> seqs;
  for (const auto& record : records) seqs.push_back(record.seq_index);
  return seqs;
}

class RocksNodeTest : public ::testing::Test {
 protected:
  void SetUp() override { node_ = Open("az-a", dir_.path() / "az-a"); }

  static std::unique_ptr<StorageNode> Open(const std::string& name,
                                           const std::filesystem::path& path) {
    auto node = OpenRocksNode(name, path);
    EXPECT_TRUE(node.ok()) << node.status().message();
    return node.ok() ? std::move(node).value() : nullptr;
  }

  void ApplyOne(const WriteBatch& batch, StorageNode* node = nullptr) {
    if (node == nullptr) node = node_.get();
    auto status = node->Apply({&batch}, ++lsn_, false);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  std::vector<StoredRecord> Read(RecordRange range, StorageNode* node = nullptr) {
    if (node == nullptr) node = node_.get();
    auto records = node->ReadRecords(range);
    EXPECT_TRUE(records.ok()) << records.status().message();
    return records.ok() ? *records : std::vector<StoredRecord>();
  }

  static RecordRange Shard(uint64_t stream_uid, uint32_t shard_index) {
    RecordRange range;
    range.stream_uid = stream_uid;
    range.shard_index = shard_index;
    return range;
  }

  sluice::testing::TempDir dir_;
  std::unique_ptr<StorageNode> node_;
  uint64_t lsn_ = 0;
};

TEST_F(RocksNodeTest, ApplyThenReadRoundTrip) {
  EXPECT_EQ(node_->name(), "az-a");
  EXPECT_EQ(node_->applied_lsn(), 0u);
  WriteBatch batch;
  auto record = MakeRecord(7, 1000, std::string("\0bin\xff", 5), "key-1");
  record.explicit_hash_key = "123456789";
  batch.PutRecord(1, 0, record);
  EXPECT_GT(batch.ByteSize(), 0u);
  ApplyOne(batch);
  EXPECT_EQ(node_->applied_lsn(), 1u);

  auto records = Read(Shard(1, 0));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].seq_index, 7u);
  EXPECT_EQ(records[0].arrival_ms, 1000);
  EXPECT_EQ(records[0].partition_key, "key-1");
  EXPECT_EQ(records[0].explicit_hash_key, "123456789");
  EXPECT_EQ(records[0].data, std::string("\0bin\xff", 5));
}

TEST_F(RocksNodeTest, GroupCommitAppliesEveryBatchAndRecordsTheLastLsn) {
  WriteBatch first;
  first.PutRecord(1, 0, MakeRecord(1, 10, "a"));
  WriteBatch second;
  second.PutRecord(1, 0, MakeRecord(2, 11, "b"));
  second.PutMeta("k", "v");
  ASSERT_TRUE(node_->Apply({&first, &second}, 42, true).ok());
  EXPECT_EQ(node_->applied_lsn(), 42u);
  EXPECT_EQ(Seqs(Read(Shard(1, 0))), (std::vector<uint64_t>{1, 2}));
  auto meta = node_->GetMeta("k");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->value_or(""), "v");
}

TEST_F(RocksNodeTest, ShardsAndStreamsAreSeparateRanges) {
  WriteBatch batch;
  // Written out of key order on purpose.
  batch.PutRecord(2, 0, MakeRecord(1, 1, "s2"));
  batch.PutRecord(1, 1, MakeRecord(0, 1, "s1-sh1"));
  batch.PutRecord(1, 0, MakeRecord(300, 1, "s1-sh0-300"));
  batch.PutRecord(1, 0, MakeRecord(256, 1, "s1-sh0-256"));
  batch.PutRecord(1, 0, MakeRecord(1, 1, "s1-sh0-1"));
  batch.PutRecord(0, UINT32_MAX, MakeRecord(UINT64_MAX - 1, 1, "s0"));
  ApplyOne(batch);

  EXPECT_EQ(Seqs(Read(Shard(1, 0))), (std::vector<uint64_t>{1, 256, 300}));
  EXPECT_EQ(Seqs(Read(Shard(1, 1))), (std::vector<uint64_t>{0}));
  EXPECT_EQ(Seqs(Read(Shard(2, 0))), (std::vector<uint64_t>{1}));
  EXPECT_EQ(Seqs(Read(Shard(0, UINT32_MAX))), (std::vector<uint64_t>{UINT64_MAX - 1}));
  EXPECT_TRUE(Read(Shard(1, 2)).empty());
  EXPECT_TRUE(Read(Shard(3, 0)).empty());
}

TEST_F(RocksNodeTest, ReadHonorsBounds) {
  WriteBatch batch;
  for (uint64_t seq = 0; seq < 10; ++seq) {
    batch.PutRecord(5, 3, MakeRecord(seq * 2, static_cast<int64_t>(100 + seq), "0123456789", "pk"));
  }
  ApplyOne(batch);

  auto range = Shard(5, 3);
  range.from_seq = 3;
  range.to_seq = 10;  // exclusive: 4, 6, 8
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{4, 6, 8}));

  range = Shard(5, 3);
  range.max_records = 4;
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{0, 2, 4, 6}));

  // Each record counts 10 bytes of data and 2 of partition key.
  range = Shard(5, 3);
  range.max_bytes = 36;
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{0, 2, 4}));
  range.max_bytes = 35;
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{0, 2}));
  range.max_bytes = 1;  // at least one record
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{0}));

  range = Shard(5, 3);
  range.min_arrival_ms = 107;  // records 0..6 (seq 0..12) expired
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{14, 16, 18}));
  range.min_arrival_ms = 1000;
  EXPECT_TRUE(Read(range).empty());
  range.min_arrival_ms = 100;
  EXPECT_EQ(Read(range).size(), 10u);

  range = Shard(5, 3);
  range.from_seq = 10;
  range.to_seq = 10;
  EXPECT_TRUE(Read(range).empty());
}

TEST_F(RocksNodeTest, FirstSeqAtOrAfterWithGaps) {
  WriteBatch batch;
  // seq:     1    5    6    40   41   100  1000
  // arrival: 10   10   20   20   30   30   50
  std::vector<std::pair<uint64_t, int64_t>> rows = {{1, 10},  {5, 10},   {6, 20},   {40, 20},
                                                    {41, 30}, {100, 30}, {1000, 50}};
  for (auto [seq, arrival] : rows) batch.PutRecord(1, 0, MakeRecord(seq, arrival, "x"));
  batch.PutRecord(1, 1, MakeRecord(0, 0, "other shard"));
  ApplyOne(batch);

  auto at = [&](int64_t at_ms, uint64_t from = 0, uint64_t to = UINT64_MAX) {
    auto result = node_->FirstSeqAtOrAfter(1, 0, at_ms, from, to);
    EXPECT_TRUE(result.ok());
    return result.ok() ? *result : std::nullopt;
  };
  EXPECT_EQ(at(0), std::optional<uint64_t>(1));
  EXPECT_EQ(at(10), std::optional<uint64_t>(1));
  EXPECT_EQ(at(11), std::optional<uint64_t>(6));
  EXPECT_EQ(at(20), std::optional<uint64_t>(6));
  EXPECT_EQ(at(21), std::optional<uint64_t>(41));
  EXPECT_EQ(at(31), std::optional<uint64_t>(1000));
  EXPECT_EQ(at(50), std::optional<uint64_t>(1000));
  EXPECT_EQ(at(51), std::nullopt);
  EXPECT_EQ(at(0, 2), std::optional<uint64_t>(5));
  EXPECT_EQ(at(31, 0, 1000), std::nullopt);  // to_seq is exclusive
  EXPECT_EQ(at(21, 0, 41), std::nullopt);
  EXPECT_EQ(at(0, 7, 40), std::nullopt);  // nothing stored in the range
  EXPECT_EQ(at(0, 10, 10), std::nullopt);
}

TEST_F(RocksNodeTest, FirstAndLastSeq) {
  EXPECT_EQ(*node_->FirstSeq(1, 0), std::nullopt);
  EXPECT_EQ(*node_->LastSeq(1, 0), std::nullopt);
  WriteBatch batch;
  batch.PutRecord(1, 0, MakeRecord(17, 1, "x"));
  batch.PutRecord(1, 0, MakeRecord(3, 1, "x"));
  batch.PutRecord(1, 0, MakeRecord(UINT64_MAX, 1, "x"));
  batch.PutRecord(1, 1, MakeRecord(0, 1, "x"));
  batch.PutRecord(0, UINT32_MAX, MakeRecord(9, 1, "x"));
  batch.PutRecord(2, 0, MakeRecord(1, 1, "x"));
  ApplyOne(batch);
  EXPECT_EQ(*node_->FirstSeq(1, 0), std::optional<uint64_t>(3));
  EXPECT_EQ(*node_->LastSeq(1, 0), std::optional<uint64_t>(UINT64_MAX));
  EXPECT_EQ(*node_->FirstSeq(1, 1), std::optional<uint64_t>(0));
  EXPECT_EQ(*node_->LastSeq(1, 1), std::optional<uint64_t>(0));
  EXPECT_EQ(*node_->LastSeq(0, UINT32_MAX), std::optional<uint64_t>(9));
  EXPECT_EQ(*node_->FirstSeq(1, 2), std::nullopt);
  EXPECT_EQ(*node_->LastSeq(1, 2), std::nullopt);
  EXPECT_EQ(*node_->LastSeq(0, 0), std::nullopt);
}

TEST_F(RocksNodeTest, DeleteRecordRangeAndDeleteStream) {
  WriteBatch batch;
  for (uint64_t seq = 0; seq < 10; ++seq) {
    // Arrival times differ, so each record is an entry of its own (no batch entries here).
    const auto arrival = static_cast<int64_t>(seq);
    batch.PutRecord(1, 0, MakeRecord(seq, arrival, "x"));
    batch.PutRecord(1, 1, MakeRecord(seq, arrival, "x"));
    batch.PutRecord(2, 0, MakeRecord(seq, arrival, "x"));
  }
  ApplyOne(batch);

  WriteBatch trim;
  trim.DeleteRecordRange(1, 0, 0, 4);
  trim.DeleteRecordRange(1, 0, 8, 8);  // empty range: no-op
  ApplyOne(trim);
  EXPECT_EQ(Seqs(Read(Shard(1, 0))), (std::vector<uint64_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(Read(Shard(1, 1)).size(), 10u);
  EXPECT_EQ(*node_->FirstSeq(1, 0), std::optional<uint64_t>(4));

  WriteBatch drop;
  drop.DeleteStream(1);
  ApplyOne(drop);
  EXPECT_TRUE(Read(Shard(1, 0)).empty());
  EXPECT_TRUE(Read(Shard(1, 1)).empty());
  EXPECT_EQ(Read(Shard(2, 0)).size(), 10u);

  // A stream uid can be written again after a delete (the batch order decides).
  WriteBatch again;
  again.DeleteStream(2);
  again.PutRecord(2, 0, MakeRecord(100, 1, "new"));
  ApplyOne(again);
  EXPECT_EQ(Seqs(Read(Shard(2, 0))), (std::vector<uint64_t>{100}));
}

// A put's records of one shard (consecutive, one arrival time) are one batch entry: read in any
// part, searched by time, counted by FirstSeq/LastSeq, and never cut by a retention delete.
TEST_F(RocksNodeTest, RecordBatchesReadInPartsAndAreKeptWholeByDeletes) {
  auto data = [](uint64_t seq) { return "r" + std::to_string(seq); };
  WriteBatch first;
  for (uint64_t seq = 0; seq < 10; ++seq) {  // interleaved across shards, as a put routes them
    first.PutRecord(1, 0, MakeRecord(seq, 100, data(seq)));
    first.PutRecord(1, 1, MakeRecord(seq, 100, "other"));
  }
  ApplyOne(first);
  WriteBatch second;
  for (uint64_t seq = 10; seq < 15; ++seq) {
    auto record = MakeRecord(seq, 200, data(seq));
    record.encrypted = true;
    second.PutRecord(1, 0, record);
  }
  ApplyOne(second);

  auto all = Read(Shard(1, 0));
  ASSERT_EQ(all.size(), 15u);
  for (uint64_t seq = 0; seq < 15; ++seq) {
    EXPECT_EQ(all[seq].seq_index, seq);
    EXPECT_EQ(all[seq].data, data(seq));
    EXPECT_EQ(all[seq].arrival_ms, seq < 10 ? 100 : 200);
    EXPECT_EQ(all[seq].encrypted, seq >= 10);
  }
  EXPECT_EQ(Read(Shard(1, 1)).size(), 10u);

  auto range = Shard(1, 0);
  range.from_seq = 3;
  range.to_seq = 12;  // from inside one batch to inside the next
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{3, 4, 5, 6, 7, 8, 9, 10, 11}));
  range.max_records = 2;
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{3, 4}));
  range = Shard(1, 0);
  range.from_seq = 8;
  range.max_bytes = 9;  // "r8pk" and "r9pk" are 4 bytes each, "r10pk" 5
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{8, 9}));
  range = Shard(1, 0);
  range.min_arrival_ms = 150;  // the first batch has expired
  EXPECT_EQ(Seqs(Read(range)), (std::vector<uint64_t>{10, 11, 12, 13, 14}));

  EXPECT_EQ(*node_->FirstSeq(1, 0), std::optional<uint64_t>(0));
  EXPECT_EQ(*node_->LastSeq(1, 0), std::optional<uint64_t>(14));
  auto at = [&](int64_t at_ms, uint64_t from = 0, uint64_t to = UINT64_MAX) {
    auto result = node_->FirstSeqAtOrAfter(1, 0, at_ms, from, to);
    EXPECT_TRUE(result.ok());
    return result.ok() ? *result : std::nullopt;
  };
  EXPECT_EQ(at(100), std::optional<uint64_t>(0));
  EXPECT_EQ(at(100, 4), std::optional<uint64_t>(4));
  EXPECT_EQ(at(150), std::optional<uint64_t>(10));
  EXPECT_EQ(at(150, 12), std::optional<uint64_t>(12));
  EXPECT_EQ(at(150, 0, 10), std::nullopt);
  EXPECT_EQ(at(201), std::nullopt);

  // A delete up to a seq inside a batch stops at the batch: its unexpired records stay.
  WriteBatch trim;
  trim.DeleteRecordRange(1, 0, 0, 12);
  ApplyOne(trim);
  EXPECT_EQ(Seqs(Read(Shard(1, 0))), (std::vector<uint64_t>{10, 11, 12, 13, 14}));
  EXPECT_EQ(*node_->FirstSeq(1, 0), std::optional<uint64_t>(10));

  // Likewise for a batch put earlier in the same group commit (not in the database yet).
  WriteBatch third;
  for (uint64_t seq = 15; seq < 20; ++seq) third.PutRecord(1, 0, MakeRecord(seq, 300, data(seq)));
  WriteBatch trim_again;
  trim_again.DeleteRecordRange(1, 0, 10, 17);
  ASSERT_TRUE(node_->Apply({&third, &trim_again}, ++lsn_, false).ok());
  EXPECT_EQ(Seqs(Read(Shard(1, 0))), (std::vector<uint64_t>{15, 16, 17, 18, 19}));

  // The entries survive a reopen as they are.
  node_.reset();
  node_ = Open("az-a", dir_.path() / "az-a");
  all = Read(Shard(1, 0));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.back().data, data(19));
  EXPECT_EQ(*node_->LastSeq(1, 0), std::optional<uint64_t>(19));
}

TEST_F(RocksNodeTest, MetaPutDeleteScan) {
  WriteBatch batch;
  batch.PutMeta("stream/b", "2");
  batch.PutMeta("stream/a", "1");
  batch.PutMeta("streamx", "no");
  batch.PutMeta("tag/a", "t");
  batch.PutMeta(std::string("bin\0\xff", 5), "binary");
  ApplyOne(batch);

  auto scan = node_->ScanMeta("stream/");
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->size(), 2u);
  EXPECT_EQ((*scan)[0], (std::pair<std::string, std::string>("stream/a", "1")));
  EXPECT_EQ((*scan)[1], (std::pair<std::string, std::string>("stream/b", "2")));
  EXPECT_EQ(node_->ScanMeta("")->size(), 5u);
  EXPECT_EQ(node_->GetMeta(std::string("bin\0\xff", 5))->value_or(""), "binary");

  WriteBatch erase;
  erase.DeleteMeta("stream/a");
  erase.DeleteMeta("missing");
  erase.PutMeta("tag/a", "t2");
  ApplyOne(erase);
  EXPECT_EQ(*node_->GetMeta("stream/a"), std::nullopt);
  EXPECT_EQ(node_->GetMeta("tag/a")->value_or(""), "t2");
  EXPECT_EQ(node_->ScanMeta("stream/")->size(), 1u);
}

TEST_F(RocksNodeTest, AppliedLsnAndDataSurviveReopen) {
  WriteBatch batch;
  batch.PutRecord(1, 0, MakeRecord(1, 5, "kept"));
  batch.PutMeta("m", "v");
  ASSERT_TRUE(node_->Apply({&batch}, 77, true).ok());
  node_.reset();

  node_ = Open("az-a", dir_.path() / "az-a");
  ASSERT_NE(node_, nullptr);
  EXPECT_EQ(node_->applied_lsn(), 77u);
  EXPECT_EQ(Read(Shard(1, 0)).at(0).data, "kept");
  EXPECT_EQ(node_->GetMeta("m")->value_or(""), "v");
  EXPECT_GT(node_->DiskUsageBytes(), 0u);
}

TEST_F(RocksNodeTest, SnapshotAndResetFromGiveAnIdenticalNode) {
  WriteBatch batch;
  for (uint64_t seq = 0; seq < 2000; ++seq) {
    // ~2.5 MiB in total, so the snapshot streams several chunks.
    batch.PutRecord(seq % 3, 0,
                    MakeRecord(seq, static_cast<int64_t>(seq), std::string(1200, 'a' + seq % 26)));
  }
  batch.PutMeta("stream/one", "1");
  batch.PutMeta("stream/two", "2");
  ASSERT_TRUE(node_->Apply({&batch}, 500, false).ok());

  auto snapshot = node_->Snapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ((*snapshot)->applied_lsn(), 500u);

  // Writes after the snapshot do not show in it.
  WriteBatch later;
  later.PutMeta("stream/three", "3");
  ASSERT_TRUE(node_->Apply({&later}, 501, false).ok());

  int chunks = 0;
  ASSERT_TRUE((*snapshot)
                  ->ForEachChunk([&](int, const NodeSnapshot::Chunk&) {
                    ++chunks;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_GE(chunks, 3);

  // The target holds content that must disappear, and a higher LSN that must be replaced.
  auto target = Open("az-b", dir_.path() / "az-b");
  ASSERT_NE(target, nullptr);
  WriteBatch stale;
  stale.PutRecord(0, 0, MakeRecord(999999, 1, "stale"));
  stale.PutRecord(9, 9, MakeRecord(1, 1, "stale"));
  stale.PutMeta("stream/zzz", "stale");
  stale.PutMeta("\xff\xff", "stale");
  ASSERT_TRUE(target->Apply({&stale}, 9000, false).ok());

  ASSERT_TRUE(target->ResetFrom(**snapshot, true).ok());
  EXPECT_EQ(target->applied_lsn(), 500u);
  for (uint64_t stream = 0; stream < 3; ++stream) {
    auto expected = Read(Shard(stream, 0));
    auto actual = Read(Shard(stream, 0), target.get());
    ASSERT_EQ(expected.size(), actual.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(expected[i].seq_index, actual[i].seq_index);
      EXPECT_EQ(expected[i].data, actual[i].data);
      EXPECT_EQ(expected[i].arrival_ms, actual[i].arrival_ms);
    }
  }
  EXPECT_TRUE(Read(Shard(9, 9), target.get()).empty());
  auto meta = target->ScanMeta("");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(*meta, (std::vector<std::pair<std::string, std::string>>{{"stream/one", "1"},
                                                                     {"stream/two", "2"}}));
  snapshot = Status::Ok();  // release the snapshot before its node

  // The reset survives a reopen.
  target.reset();
  target = Open("az-b", dir_.path() / "az-b");
  EXPECT_EQ(target->applied_lsn(), 500u);
  EXPECT_EQ(Read(Shard(1, 0), target.get()).size(), 667u);
}

TEST_F(RocksNodeTest, SnapshotOutlivesItsNode) {
  WriteBatch batch;
  batch.PutMeta("k", "v");
  ASSERT_TRUE(node_->Apply({&batch}, 3, false).ok());
  auto snapshot = node_->Snapshot();
  ASSERT_TRUE(snapshot.ok());
  node_.reset();
  auto target = Open("az-b", dir_.path() / "az-b");
  ASSERT_TRUE(target->ResetFrom(**snapshot, false).ok());
  EXPECT_EQ(target->GetMeta("k")->value_or(""), "v");
  EXPECT_EQ(target->applied_lsn(), 3u);
}

TEST_F(RocksNodeTest, ReadsRunConcurrentlyWithWrites) {
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      auto records = node_->ReadRecords(Shard(1, 0));
      ASSERT_TRUE(records.ok());
      // Records are always a gap-free prefix: each batch is atomic.
      for (size_t i = 0; i < records->size(); ++i) ASSERT_EQ((*records)[i].seq_index, i);
    }
  });
  for (uint64_t seq = 0; seq < 200; ++seq) {
    WriteBatch batch;
    batch.PutRecord(1, 0, MakeRecord(seq, 1, "x"));
    ApplyOne(batch);
  }
  stop = true;
  reader.join();
  EXPECT_EQ(Read(Shard(1, 0)).size(), 200u);
}

TEST(RocksNodeOpenTest, FailsCleanlyWhenTheDirectoryCannotBeCreated) {
  sluice::testing::TempDir dir;
  std::filesystem::path file = dir.path() / "file";
  { std::ofstream(file) << "x"; }
  auto node = OpenRocksNode("az-a", file / "sub");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.status().code(), ErrorCode::kInternal);
  EXPECT_EQ(node.status().message(), "storage node az-a open failed");
}

}  // namespace
}  // namespace sluice::storage
