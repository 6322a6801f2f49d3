// sluice-loadgen: drives any Kinesis endpoint (Sluice, kinesalite, ...) with PutRecords or
// PutRecord over HTTP/1.1 keep-alive connections, one blocking connection per thread, and
// prints one JSON line: throughput, latency percentiles, errors.
//
//   sluice-loadgen --endpoint 127.0.0.1:4567 --stream bench --shards 4 --connections 8
//                  --seconds 20 --batch 100 --record-bytes 512
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kinesis_connection.h"
#include "sluice/common/base64.h"
#include "stats.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "4567";
  std::string stream = "bench";
  int shards = 4;
  int connections = 8;
  int seconds = 20;
  int batch = 100;  // records per PutRecords; 0 means PutRecord
  int record_bytes = 512;
};

struct Totals {
  std::mutex mutex;  // guards latencies_us
  std::vector<double> latencies_us;
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> failed_records{0};
  std::atomic<uint64_t> failed_calls{0};
};

void Worker(const Options& options, int id, Clock::time_point deadline, Totals& totals) {
  boost::asio::io_context io;
  sluice::bench::KinesisConnection connection(io, options.host, options.port);
  std::mt19937_64 random(static_cast<uint64_t>(id) * 7919 + 1);
  std::string data(static_cast<size_t>(options.record_bytes), 'x');
  for (auto& c : data) c = static_cast<char>('a' + random() % 26);
  const std::string encoded = sluice::Base64Encode(data);
  std::vector<double> latencies;
  std::string body;
  uint64_t sequence = 0;
  while (Clock::now() < deadline) {
    nlohmann::json request = {{"StreamName", options.stream}};
    int count = options.batch > 0 ? options.batch : 1;
    if (options.batch > 0) {
      nlohmann::json records = nlohmann::json::array();
      for (int i = 0; i < count; ++i) {
        records.push_back(
            {{"Data", encoded},
             {"PartitionKey", std::to_string(id) + "-" + std::to_string(sequence++)}});
      }
      request["Records"] = std::move(records);
    } else {
      request["Data"] = encoded;
      request["PartitionKey"] = std::to_string(id) + "-" + std::to_string(sequence++);
    }
    std::string payload = request.dump();
    auto start = Clock::now();
    int status = connection.Call(options.batch > 0 ? "PutRecords" : "PutRecord", payload, body);
    auto elapsed = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    latencies.push_back(elapsed);
    if (status != 200) {
      totals.failed_calls++;
      continue;
    }
    uint64_t failed = 0;
    if (options.batch > 0) {
      auto reply = nlohmann::json::parse(body, nullptr, false);
      if (!reply.is_discarded()) failed = reply.value("FailedRecordCount", 0u);
    }
    totals.failed_records += failed;
    totals.records += static_cast<uint64_t>(count) - failed;
    totals.bytes +=
        (static_cast<uint64_t>(count) - failed) * static_cast<uint64_t>(options.record_bytes);
  }
  std::lock_guard lock(totals.mutex);
  totals.latencies_us.insert(totals.latencies_us.end(), latencies.begin(), latencies.end());
}

void EnsureStream(const Options& options) {
  boost::asio::io_context io;
  sluice::bench::KinesisConnection connection(io, options.host, options.port);
  sluice::bench::EnsureStream(connection, options.stream, options.shards);
}

bool Parse(int argc, char** argv, Options& options) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return false;
  try {
    if (args.count("--endpoint")) {
      sluice::bench::SplitEndpoint(args["--endpoint"], options.host, options.port);
    }
    if (args.count("--stream")) options.stream = args["--stream"];
    if (args.count("--shards")) options.shards = std::stoi(args["--shards"]);
    if (args.count("--connections")) options.connections = std::stoi(args["--connections"]);
    if (args.count("--seconds")) options.seconds = std::stoi(args["--seconds"]);
    if (args.count("--batch")) options.batch = std::stoi(args["--batch"]);
    if (args.count("--record-bytes")) options.record_bytes = std::stoi(args["--record-bytes"]);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!Parse(argc, argv, options)) {
    std::cerr << "usage: sluice-loadgen [--endpoint HOST:PORT] [--stream NAME] [--shards N]\n"
                 "       [--connections N] [--seconds N] [--batch N (0: PutRecord)]\n"
                 "       [--record-bytes N]\n";
    return 2;
  }
  try {
    EnsureStream(options);
    Totals totals;
    auto start = Clock::now();
    auto deadline = start + std::chrono::seconds(options.seconds);
    std::vector<std::thread> workers;
    for (int i = 0; i < options.connections; ++i) {
      workers.emplace_back([&, i] { Worker(options, i, deadline, totals); });
    }
    for (auto& worker : workers) worker.join();
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(totals.latencies_us.begin(), totals.latencies_us.end());
    nlohmann::json report = {
        {"operation", options.batch > 0 ? "PutRecords" : "PutRecord"},
        {"batch", options.batch},
        {"record_bytes", options.record_bytes},
        {"connections", options.connections},
        {"seconds", elapsed},
        {"calls", totals.latencies_us.size()},
        {"records_per_s", static_cast<double>(totals.records) / elapsed},
        {"mib_per_s", static_cast<double>(totals.bytes) / elapsed / (1 << 20)},
        {"p50_ms", sluice::bench::Percentile(totals.latencies_us, 0.50) / 1000},
        {"p99_ms", sluice::bench::Percentile(totals.latencies_us, 0.99) / 1000},
        {"max_ms", totals.latencies_us.empty() ? 0 : totals.latencies_us.back() / 1000},
        {"failed_calls", totals.failed_calls.load()},
        {"failed_records", totals.failed_records.load()}};
    std::cout << report.dump() << std::endl;
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "sluice-loadgen: " << error.what() << "\n";
    return 1;
  }
}
