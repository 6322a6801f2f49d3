// Putting and getting records.
#include "api/enum_names.h"
#include "api/handlers.h"
#include "sluice/broker/sequence_number.h"

namespace sluice::api {
namespace {

std::string Bytes(const Value& blob) {
  const auto& binary = blob.get_binary();
  return std::string(binary.begin(), binary.end());
}

Value Blob(const std::string& bytes) {
  return Value::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

broker::PutEntry EntryOf(const Value& record) {
  broker::PutEntry entry;
  entry.data = Bytes(record.at("Data"));
  entry.partition_key = record.at("PartitionKey").get<std::string>();
  if (auto key = record.find("ExplicitHashKey"); key != record.end()) {
    entry.explicit_hash_key = key->get<std::string>();
  }
  return entry;
}

// A PutRecords entry that was not stored, in AWS's two per-entry error kinds.
Value FailedEntry(const Status& status) {
  if (status.code() == ErrorCode::kProvisionedThroughputExceeded) {
    return {{"ErrorCode", "ProvisionedThroughputExceededException"},
            {"ErrorMessage", status.message()}};
  }
  return {{"ErrorCode", "InternalFailure"}, {"ErrorMessage", "Internal service failure."}};
}

}  // namespace

void PutRecord(const Call& call, Reply reply) {
  broker::StreamRef ref = StreamRefOf(call.input);
  if (auto ordering = call.input.find("SequenceNumberForOrdering"); ordering != call.input.end()) {
    const std::string& text = ordering->get_ref<const std::string&>();
    if (!broker::SequenceNumber::Parse(text)) {
      return reply(Status(ErrorCode::kInvalidArgument,
                          "ExclusiveMinimumSequenceNumber " + text +
                              " used in PutRecord on stream " + ref.name + " under account " +
                              call.context.caller.account + " is invalid."));
    }
    // Sequence numbers of a shard only grow, so every new record already follows it.
  }
  std::vector<broker::PutEntry> entries;
  entries.push_back(EntryOf(call.input));
  call.broker.PutRecords(
      call.context.caller, ref, std::move(entries),
      [reply = std::move(reply)](Result<broker::PutRecordsResult> result) {
        if (!result.ok()) return reply(result.status());
        const broker::PutOutcome& outcome = result->records.front();
        if (!outcome.ok()) return reply(outcome.status);
        Value out = {{"ShardId", broker::ShardIdFor(outcome.shard_index)},
                     {"SequenceNumber", outcome.sequence.ToString()},
                     {"EncryptionType", result->encryption_type}};
        reply(std::move(out));
      },
      broker::PutCall::kPutRecord);
}

void PutRecords(const Call& call, Reply reply) {
  std::vector<broker::PutEntry> entries;
  size_t total_bytes = 0;
  for (const auto& record : call.input.at("Records")) {
    entries.push_back(EntryOf(record));
    total_bytes += entries.back().data.size() + entries.back().partition_key.size();
  }
  constexpr size_t kMaxRequestBytes = 10 * 1024 * 1024;
  if (total_bytes > kMaxRequestBytes) {
    return reply(Status(ErrorCode::kInvalidArgument,
                        "Records size exceeds 10 MB limit: the request's data and partition keys "
                        "add up to " +
                            std::to_string(total_bytes) + " bytes."));
  }
  call.broker.PutRecords(
      call.context.caller, StreamRefOf(call.input), std::move(entries),
      [reply = std::move(reply)](Result<broker::PutRecordsResult> result) {
        if (!result.ok()) return reply(result.status());
        Value records = Value::array();
        for (const auto& outcome : result->records) {
          if (outcome.ok()) {
            records.push_back({{"SequenceNumber", outcome.sequence.ToString()},
                               {"ShardId", broker::ShardIdFor(outcome.shard_index)}});
          } else {
            records.push_back(FailedEntry(outcome.status));
          }
        }
        reply(Value{{"FailedRecordCount", result->failed},
                    {"Records", std::move(records)},
                    {"EncryptionType", result->encryption_type}});
      });
}

void GetShardIterator(const Call& call, Reply reply) {
  broker::IteratorRequest request;
  request.stream = StreamRefOf(call.input);
  request.shard_id = call.input.at("ShardId").get<std::string>();
  auto type = IteratorTypeNamed(call.input.at("ShardIteratorType").get<std::string>());
  if (!type) return reply(Status(ErrorCode::kValidation, "Unknown ShardIteratorType."));
  request.type = *type;
  if (auto seq = call.input.find("StartingSequenceNumber"); seq != call.input.end()) {
    request.starting_sequence_number = seq->get<std::string>();
  }
  if (auto t = call.input.find("Timestamp"); t != call.input.end()) {
    request.timestamp_ms = TimestampMs(*t);
  }
  call.broker.GetShardIterator(call.context.caller, request, [reply](Result<std::string> iterator) {
    if (!iterator.ok()) return reply(iterator.status());
    reply(Value{{"ShardIterator", std::move(*iterator)}});
  });
}

void GetRecords(const Call& call, Reply reply) {
  std::optional<uint32_t> limit;
  if (auto l = call.input.find("Limit"); l != call.input.end()) {
    limit = static_cast<uint32_t>(l->get<int64_t>());
  }
  call.broker.GetRecords(call.input.at("ShardIterator").get<std::string>(), limit,
                         [reply](Result<broker::GetRecordsResult> result) {
                           if (!result.ok()) return reply(result.status());
                           Value out = {{"Records", RecordValues(result->records)}};
                           if (result->next_iterator)
                             out["NextShardIterator"] = *result->next_iterator;
                           out["MillisBehindLatest"] = result->millis_behind_latest;
                           if (!result->child_shards.empty()) {
                             out["ChildShards"] = ChildShardValues(result->child_shards);
                           }
                           reply(std::move(out));
                         });
}

Value RecordValues(const std::vector<broker::RecordView>& records) {
  Value values = Value::array();
  for (const auto& record : records) {
    Value value = {{"SequenceNumber", record.sequence.ToString()},
                   {"ApproximateArrivalTimestamp", Timestamp(record.arrival_ms)},
                   {"Data", Blob(record.data)},
                   {"PartitionKey", record.partition_key}};
    // AWS names the encryption only on records it encrypted.
    if (record.encrypted) value["EncryptionType"] = "KMS";
    values.push_back(std::move(value));
  }
  return values;
}

Value ChildShardValues(const std::vector<broker::ChildShardView>& children) {
  Value values = Value::array();
  for (const auto& child : children) {
    Value parents = Value::array();
    for (broker::ShardIndex parent : child.parent_shards) {
      parents.push_back(broker::ShardIdFor(parent));
    }
    values.push_back({{"ShardId", broker::ShardIdFor(child.shard_index)},
                      {"ParentShards", std::move(parents)},
                      {"HashKeyRange",
                       {{"StartingHashKey", broker::HashKeyToDecimal(child.range.start)},
                        {"EndingHashKey", broker::HashKeyToDecimal(child.range.end)}}}});
  }
  return values;
}

}  // namespace sluice::api
