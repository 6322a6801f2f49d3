// sluice-pipeline: the end-to-end benchmarks, against any Kinesis endpoint, verifying every
// record. Prints one JSON line.
//
//   --mode pipeline: N producers (PutRecords of --batch records, one blocking connection each)
//     and one GetRecords consumer per shard (polling, as the KCL does, 5 ms after an empty
//     answer), for --seconds; then the consumers drain what is left. Every acknowledged record
//     must be read exactly once, and in each shard a producer's records in the order it wrote
//     them. Reports records/s in and out, put->get latency percentiles and the drain time.
//   --mode read: fills one shard with --records records, then reads it from TRIM_HORIZON in
//     GetRecords calls of --limit records, timing the reads only. Every record once, in order.
//   --mode fill: only the fill of --mode read (the restart benchmark's retained log).
//
// Each record's data starts with 24 bytes: producer id, counter, send time (steady clock ns),
// little-endian, padded to --record-bytes. Answers are scanned for the few members needed
// rather than parsed into a DOM: the client shares the machine with the server, and parsing
// 10,000-record answers into trees would measure the client.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "kinesis_connection.h"
#include "sluice/common/base64.h"
#include "stats.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kHeaderBytes = 24;

struct Options {
  std::string mode = "pipeline";
  std::string host = "127.0.0.1";
  std::string port = "4567";
  std::string stream = "pipeline";
  int shards = 4;
  int producers = 8;
  int batch = 100;
  int record_bytes = 100;
  int seconds = 20;
  int drain_seconds = 60;
  int64_t records = 200000;  // read mode: records to fill and read back
  int limit = 10000;         // read mode: GetRecords Limit
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void PutLe(char* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}
uint64_t GetLe(const char* in) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  return value;
}

// The string value of the next `"name":"..."` at or after `from`; npos-like empty view at the
// end. Kinesis values scanned here (base64, digits, iterators) never hold escapes.
std::optional<std::string_view> NextValue(std::string_view body, std::string_view key,
                                          size_t& from) {
  size_t at = body.find(key, from);
  if (at == std::string_view::npos) return std::nullopt;
  size_t start = at + key.size();
  size_t end = body.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  from = end + 1;
  return body.substr(start, end - start);
}

// A record as the benchmark reads it back.
struct Seen {
  uint32_t producer;
  uint64_t counter;
  int64_t sent_ns;
};

// The records of a GetRecords answer, in order, and its NextShardIterator. False when the answer
// is malformed or a record's data is not ours.
bool ScanRecords(std::string_view body, std::vector<Seen>& records, std::string& next) {
  size_t from = 0;
  while (auto data = NextValue(body, "\"Data\":\"", from)) {
    // Only the header is needed: 24 bytes are the first 32 base64 characters.
    if (data->size() < 32) return false;
    auto header = sluice::Base64Decode(data->substr(0, 32));
    if (!header || header->size() < kHeaderBytes) return false;
    records.push_back({static_cast<uint32_t>(GetLe(header->data())), GetLe(header->data() + 8),
                       static_cast<int64_t>(GetLe(header->data() + 16))});
  }
  size_t at = 0;
  auto iterator = NextValue(body, "\"NextShardIterator\":\"", at);
  next = iterator ? std::string(*iterator) : std::string();
  return true;
}

// One producer's PutRecords bodies: the records' data all but the header is the same padding.
class Producer {
 public:
  Producer(const Options& options, uint32_t id)
      : options_(options), id_(id), padding_(static_cast<size_t>(options.record_bytes), 'x') {}

  // Puts one batch; false (with `error` set) when the call or any record in it failed.
  bool PutBatch(sluice::bench::KinesisConnection& connection, int count, std::string& error) {
    std::string body = "{\"StreamName\":\"" + options_.stream + "\",\"Records\":[";
    const int64_t sent = NowNs();
    for (int i = 0; i < count; ++i) {
      std::string data = padding_;
      PutLe(data.data(), id_);
      PutLe(data.data() + 8, next_counter_ + static_cast<uint64_t>(i));
      PutLe(data.data() + 16, static_cast<uint64_t>(sent));
      if (i > 0) body += ',';
      body += "{\"Data\":\"" + sluice::Base64Encode(data) + "\",\"PartitionKey\":\"" +
              std::to_string(id_) + "-" + std::to_string(next_counter_ + i) + "\"}";
    }
    body += "]}";
    std::string reply;
    int status = connection.Call("PutRecords", body, reply);
    if (status != 200 || reply.find("\"FailedRecordCount\":0") == std::string::npos) {
      error = "PutRecords answered " + std::to_string(status) + ": " + reply.substr(0, 300);
      return false;
    }
    next_counter_ += static_cast<uint64_t>(count);
    return true;
  }
  uint64_t acknowledged() const { return next_counter_; }

 private:
  const Options& options_;
  const uint32_t id_;
  const std::string padding_;
  uint64_t next_counter_ = 0;  // records acknowledged so far: counters 0..next-1
};

struct Shared {
  std::mutex mutex;  // guards errors
  std::vector<std::string> errors;
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<uint64_t> read{0};
  std::atomic<bool> producing{true};
  std::atomic<int64_t> drain_deadline_ns{INT64_MAX};  // set when producing ends

  void Fail(std::string error) {
    std::lock_guard lock(mutex);
    if (errors.size() < 10) errors.push_back(std::move(error));
  }
  bool failed() {
    std::lock_guard lock(mutex);
    return !errors.empty();
  }
};

std::string ShardIterator(sluice::bench::KinesisConnection& connection, const Options& options,
                          const std::string& shard_id) {
  std::string body;
  nlohmann::json request = {
      {"StreamName", options.stream}, {"ShardId", shard_id}, {"ShardIteratorType", "TRIM_HORIZON"}};
  if (connection.Call("GetShardIterator", request.dump(), body) != 200) {
    throw std::runtime_error("GetShardIterator failed: " + body);
  }
  return nlohmann::json::parse(body).at("ShardIterator").get<std::string>();
}

std::vector<std::string> ShardIds(sluice::bench::KinesisConnection& connection,
                                  const Options& options) {
  std::string body;
  if (connection.Call("ListShards", nlohmann::json{{"StreamName", options.stream}}.dump(), body) !=
      200) {
    throw std::runtime_error("ListShards failed: " + body);
  }
  std::vector<std::string> ids;
  const nlohmann::json reply = nlohmann::json::parse(body);  // outlives the loop
  for (const auto& shard : reply.at("Shards")) {
    ids.push_back(shard.at("ShardId").get<std::string>());
  }
  return ids;
}

// What one consumer read: records per producer in read order, and latencies.
struct ConsumerLog {
  std::vector<std::vector<uint64_t>> counters;  // by producer
  std::vector<double> latencies_us;
  uint64_t calls = 0;
  std::vector<double> call_us;
};

// Reads `shard_id` until the producers are done and every acknowledged record has been read
// (by all consumers together), or the drain deadline passes.
void Consume(const Options& options, const std::string& shard_id, Shared& shared,
             ConsumerLog& log) {
  boost::asio::io_context io;
  sluice::bench::KinesisConnection connection(io, options.host, options.port);
  std::string iterator = ShardIterator(connection, options, shard_id);
  log.counters.resize(static_cast<size_t>(options.producers));
  std::string body;
  std::vector<Seen> records;
  while (!iterator.empty()) {
    if (!shared.producing.load() &&
        (shared.read.load() >= shared.acknowledged.load() ||
         NowNs() > shared.drain_deadline_ns.load() || shared.failed())) {
      break;
    }
    nlohmann::json request = {{"ShardIterator", iterator}, {"Limit", options.limit}};
    const auto start = Clock::now();
    int status = connection.Call("GetRecords", request.dump(), body);
    const int64_t now = NowNs();
    log.call_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    ++log.calls;
    if (status != 200) {
      shared.Fail("GetRecords answered " + std::to_string(status) + ": " + body.substr(0, 300));
      return;
    }
    records.clear();
    if (!ScanRecords(body, records, iterator)) {
      shared.Fail("a GetRecords answer held a record that is not the benchmark's");
      return;
    }
    for (const Seen& record : records) {
      if (record.producer >= log.counters.size()) {
        shared.Fail("a record names producer " + std::to_string(record.producer));
        return;
      }
      log.counters[record.producer].push_back(record.counter);
      log.latencies_us.push_back(static_cast<double>(now - record.sent_ns) / 1e3);
    }
    shared.read += records.size();
    if (records.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Checks the consumers' logs: each producer's records read once each, in order within a shard,
// and all of them. Returns (duplicates, out of order, missing).
std::tuple<uint64_t, uint64_t, uint64_t> Verify(const std::vector<ConsumerLog>& logs,
                                                const std::vector<uint64_t>& acknowledged) {
  uint64_t duplicates = 0, disordered = 0, missing = 0;
  for (size_t producer = 0; producer < acknowledged.size(); ++producer) {
    std::vector<uint8_t> seen(acknowledged[producer], 0);
    for (const auto& log : logs) {
      const auto& counters = log.counters[producer];
      for (size_t i = 0; i < counters.size(); ++i) {
        if (i > 0 && counters[i] <= counters[i - 1]) ++disordered;
        if (counters[i] >= seen.size()) continue;  // written but never acknowledged: fine
        if (seen[counters[i]]++ > 0) ++duplicates;
      }
    }
    missing += static_cast<uint64_t>(std::count(seen.begin(), seen.end(), 0));
  }
  return {duplicates, disordered, missing};
}

// Runs options.producers producers, each on its own connection, until `next_count` (given what
// that producer has had acknowledged) says 0 or a call fails. Returns each producer's
// acknowledged count; the latency of every call goes to `put_us` when it is given.
std::vector<uint64_t> RunProducers(const Options& options, Shared& shared,
                                   const std::function<int(uint64_t acknowledged)>& next_count,
                                   std::vector<double>* put_us) {
  std::vector<uint64_t> acknowledged(static_cast<size_t>(options.producers), 0);
  std::mutex put_mutex;  // guards put_us
  std::vector<std::thread> producers;
  for (int p = 0; p < options.producers; ++p) {
    producers.emplace_back([&, p] {
      try {
        boost::asio::io_context producer_io;
        sluice::bench::KinesisConnection connection(producer_io, options.host, options.port);
        Producer producer(options, static_cast<uint32_t>(p));
        std::vector<double> latencies;
        std::string error;
        for (int count; !shared.failed() && (count = next_count(producer.acknowledged())) > 0;) {
          const auto call = Clock::now();
          if (!producer.PutBatch(connection, count, error)) {
            shared.Fail(error);
            break;
          }
          latencies.push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - call).count());
          shared.acknowledged += static_cast<uint64_t>(count);
        }
        acknowledged[static_cast<size_t>(p)] = producer.acknowledged();
        if (put_us != nullptr) {
          std::lock_guard lock(put_mutex);
          put_us->insert(put_us->end(), latencies.begin(), latencies.end());
        }
      } catch (const std::exception& error) {
        shared.Fail(std::string("producer: ") + error.what());
      }
    });
  }
  for (auto& producer : producers) producer.join();
  return acknowledged;
}

nlohmann::json RunPipeline(const Options& options) {
  boost::asio::io_context io;
  sluice::bench::KinesisConnection setup(io, options.host, options.port);
  sluice::bench::EnsureStream(setup, options.stream, options.shards);
  const auto shard_ids = ShardIds(setup, options);

  Shared shared;
  std::vector<ConsumerLog> logs(shard_ids.size());
  std::vector<std::thread> consumers;
  for (size_t i = 0; i < shard_ids.size(); ++i) {
    consumers.emplace_back([&, i] {
      try {
        Consume(options, shard_ids[i], shared, logs[i]);
      } catch (const std::exception& error) {
        shared.Fail(std::string("consumer: ") + error.what());
      }
    });
  }
  std::vector<double> put_us;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(options.seconds);
  const std::vector<uint64_t> acknowledged = RunProducers(
      options, shared, [&](uint64_t) { return Clock::now() < deadline ? options.batch : 0; },
      &put_us);
  const double produce_s = std::chrono::duration<double>(Clock::now() - start).count();
  const auto stopped = Clock::now();
  shared.drain_deadline_ns = NowNs() + int64_t{options.drain_seconds} * 1000000000;
  shared.producing = false;
  for (auto& consumer : consumers) consumer.join();
  const double drain_s = std::chrono::duration<double>(Clock::now() - stopped).count();

  std::vector<double> latencies;
  uint64_t calls = 0;
  for (auto& log : logs) {
    latencies.insert(latencies.end(), log.latencies_us.begin(), log.latencies_us.end());
    calls += log.calls;
  }
  std::sort(latencies.begin(), latencies.end());
  std::sort(put_us.begin(), put_us.end());
  auto [duplicates, disordered, missing] = Verify(logs, acknowledged);
  uint64_t total = 0;
  for (uint64_t count : acknowledged) total += count;
  nlohmann::json report = {{"mode", "pipeline"},
                           {"producers", options.producers},
                           {"shards", shard_ids.size()},
                           {"batch", options.batch},
                           {"record_bytes", options.record_bytes},
                           {"seconds", produce_s},
                           {"records", total},
                           {"records_per_s", static_cast<double>(total) / produce_s},
                           {"read_records", shared.read.load()},
                           {"get_calls", calls},
                           {"drain_s", drain_s},
                           {"put_p50_ms", sluice::bench::Percentile(put_us, 0.50) / 1000},
                           {"put_p99_ms", sluice::bench::Percentile(put_us, 0.99) / 1000},
                           {"e2e_p50_ms", sluice::bench::Percentile(latencies, 0.50) / 1000},
                           {"e2e_p99_ms", sluice::bench::Percentile(latencies, 0.99) / 1000},
                           {"e2e_max_ms", latencies.empty() ? 0 : latencies.back() / 1000},
                           {"duplicates", duplicates},
                           {"out_of_order", disordered},
                           {"missing", missing},
                           {"errors", shared.errors}};
  return report;
}

// --mode read, and --mode fill: the read benchmark's fill alone (for the restart benchmark).
nlohmann::json RunReadOrFill(const Options& options) {
  boost::asio::io_context io;
  sluice::bench::KinesisConnection setup(io, options.host, options.port);
  sluice::bench::EnsureStream(setup, options.stream, 1);
  const auto shard_ids = ShardIds(setup, options);

  // Fill: the producers share the records to write.
  Shared shared;
  const int64_t per_producer = (options.records + options.producers - 1) / options.producers;
  const auto fill_start = Clock::now();
  const std::vector<uint64_t> acknowledged = RunProducers(
      options, shared,
      [&](uint64_t done) {
        return static_cast<int>(
            std::min<int64_t>(options.batch, per_producer - static_cast<int64_t>(done)));
      },
      nullptr);
  const double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  uint64_t total = 0;
  for (uint64_t count : acknowledged) total += count;
  shared.acknowledged = total;

  if (options.mode == "fill") {
    return {{"mode", "fill"},
            {"record_bytes", options.record_bytes},
            {"records", total},
            {"seconds", fill_s},
            {"records_per_s", static_cast<double>(total) / fill_s},
            {"duplicates", 0},
            {"out_of_order", 0},
            {"missing", 0},
            {"errors", shared.errors}};
  }

  // Read it all back, timed.
  std::vector<ConsumerLog> logs(1);
  shared.drain_deadline_ns = NowNs() + int64_t{options.drain_seconds} * 1000000000;
  shared.producing = false;
  const auto read_start = Clock::now();
  if (!shared.failed()) Consume(options, shard_ids[0], shared, logs[0]);
  const double read_s = std::chrono::duration<double>(Clock::now() - read_start).count();
  auto [duplicates, disordered, missing] = Verify(logs, acknowledged);
  std::sort(logs[0].call_us.begin(), logs[0].call_us.end());
  return {{"mode", "read"},
          {"record_bytes", options.record_bytes},
          {"limit", options.limit},
          {"records", total},
          {"fill_s", fill_s},
          {"fill_records_per_s", static_cast<double>(total) / fill_s},
          {"seconds", read_s},
          {"read_records", shared.read.load()},
          {"records_per_s", static_cast<double>(shared.read.load()) / read_s},
          {"mib_per_s", static_cast<double>(shared.read.load()) *
                            static_cast<double>(options.record_bytes) / read_s / (1 << 20)},
          {"get_calls", logs[0].calls},
          {"get_p50_ms", sluice::bench::Percentile(logs[0].call_us, 0.50) / 1000},
          {"get_p99_ms", sluice::bench::Percentile(logs[0].call_us, 0.99) / 1000},
          {"duplicates", duplicates},
          {"out_of_order", disordered},
          {"missing", missing},
          {"errors", shared.errors}};
}

bool Parse(int argc, char** argv, Options& options) {
  if (argc % 2 == 0) return false;
  using Setter = std::function<void(const std::string&)>;
  auto integer = [](int& field) -> Setter {
    return [&field](const std::string& value) { field = std::stoi(value); };
  };
  const std::map<std::string, Setter> setters = {
      {"--mode", [&](const std::string& value) { options.mode = value; }},
      {"--endpoint",
       [&](const std::string& value) {
         sluice::bench::SplitEndpoint(value, options.host, options.port);
       }},
      {"--stream", [&](const std::string& value) { options.stream = value; }},
      {"--records", [&](const std::string& value) { options.records = std::stoll(value); }},
      {"--shards", integer(options.shards)},
      {"--producers", integer(options.producers)},
      {"--batch", integer(options.batch)},
      {"--record-bytes", integer(options.record_bytes)},
      {"--seconds", integer(options.seconds)},
      {"--drain-seconds", integer(options.drain_seconds)},
      {"--limit", integer(options.limit)}};
  try {
    for (int i = 1; i + 1 < argc; i += 2) {
      auto setter = setters.find(argv[i]);
      if (setter == setters.end()) return false;
      setter->second(argv[i + 1]);
    }
  } catch (const std::exception&) {
    return false;
  }
  return (options.mode == "pipeline" || options.mode == "read" || options.mode == "fill") &&
         options.record_bytes >= static_cast<int>(kHeaderBytes) && options.producers > 0 &&
         options.batch > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!Parse(argc, argv, options)) {
    std::cerr << "usage: sluice-pipeline --mode pipeline|read|fill [--endpoint HOST:PORT]\n"
                 "       [--stream NAME] [--shards N] [--producers N] [--batch N]\n"
                 "       [--record-bytes N (>= 24)] [--seconds N] [--drain-seconds N]\n"
                 "       [--records N] [--limit N]\n";
    return 2;
  }
  try {
    nlohmann::json report =
        options.mode == "pipeline" ? RunPipeline(options) : RunReadOrFill(options);
    std::cout << report.dump() << std::endl;
    const bool clean = report["errors"].empty() && report["duplicates"] == 0 &&
                       report["out_of_order"] == 0 && report["missing"] == 0;
    return clean ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "sluice-pipeline: " << error.what() << "\n";
    return 1;
  }
}
