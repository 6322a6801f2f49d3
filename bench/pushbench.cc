// sluice-pushbench: measures SubscribeToShard push latency. For each subscriber count N it
// creates a fresh 1-shard stream, registers N consumers, subscribes each on its own HTTP/1.1
// connection to shard 0 at LATEST, then one producer on its own connection sends PutRecord at a
// fixed rate (each record's data carries a unique id). Latency of a record at a subscriber:
// when the subscriber framed the event carrying it, minus when the producer got the PutRecord
// acknowledgement (can be slightly negative: a push may beat the ack), and minus when the
// PutRecord was sent. All on one steady clock, in this process.
//
// Every subscriber must receive every acknowledged record exactly once, in order, with the
// sequence number the PutRecord returned; anything else fails the run (exit 1), it is not a
// result. Prints one JSON line per N.
//
//   sluice-pushbench --endpoint 127.0.0.1:4567 --subscribers 1,2,4,8,16,32,64 --seconds 10
//                    --rate 200 --record-bytes 100
//
// Sluice, like AWS, allows 20 registered consumers per stream unless started with a larger
// --consumer-limit, which bounds N; and a subscription lasts 5 minutes, so --seconds plus
// --drain-ms must stay under that.
//
// Threads: the producer runs on the main thread with a blocking connection; all subscribers run
// as coroutines on one io_context thread (so they need no strands). During a run the
// subscribers only frame events and timestamp them; decoding (CRCs, headers, JSON, base64) and
// the checks happen after the run, so that client-side work does not delay other subscribers.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/crc.hpp>
#include <nlohmann/json.hpp>

#include "kinesis_connection.h"
#include "sluice/common/base64.h"
#include "stats.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using sluice::bench::KinesisConnection;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "4567";
  std::string stream_prefix = "pushbench";
  std::vector<int> subscribers = {1, 2, 4, 8, 16, 20};
  int seconds = 10;
  int rate = 200;  // PutRecord calls per second
  int record_bytes = 100;
  int drain_ms = 5000;  // after the last put, how long subscribers may take to catch up
};

constexpr size_t kIdDigits = 12;  // the record id, zero-padded, at the front of its data

// ---- event-stream framing (application/vnd.amazon.eventstream), written here independently of
// the server's encoder so that the bench checks the wire rather than trusting the server's code.

uint32_t BigEndian32(std::string_view bytes) {
  return (uint32_t{static_cast<uint8_t>(bytes[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(bytes[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(bytes[2])} << 8) | uint32_t{static_cast<uint8_t>(bytes[3])};
}

uint32_t Crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

struct EventMessage {
  std::map<std::string, std::string> string_headers;
  std::string_view payload;
};

// One whole message (`bytes` is exactly its length), CRCs checked; throws on anything malformed.
EventMessage DecodeEvent(std::string_view bytes) {
  if (bytes.size() < 16) throw std::runtime_error("event-stream message shorter than 16 bytes");
  const uint32_t total = BigEndian32(bytes);
  const uint32_t headers_length = BigEndian32(bytes.substr(4));
  if (total != bytes.size() || headers_length > total - 16) {
    throw std::runtime_error("event-stream message lengths disagree");
  }
  if (Crc32(bytes.substr(0, 8)) != BigEndian32(bytes.substr(8))) {
    throw std::runtime_error("event-stream prelude CRC mismatch");
  }
  if (Crc32(bytes.substr(0, total - 4)) != BigEndian32(bytes.substr(total - 4))) {
    throw std::runtime_error("event-stream message CRC mismatch");
  }
  EventMessage message;
  std::string_view headers = bytes.substr(12, headers_length);
  auto take = [&headers](size_t n) {
    if (n > headers.size()) throw std::runtime_error("event-stream header overruns its section");
    std::string_view taken = headers.substr(0, n);
    headers.remove_prefix(n);
    return taken;
  };
  while (!headers.empty()) {
    std::string name(take(static_cast<uint8_t>(take(1)[0])));
    const uint8_t type = static_cast<uint8_t>(take(1)[0]);
    static constexpr size_t kFixedSize[] = {0, 0, 1, 2, 4, 8, 0, 0, 8, 16};
    if (type > 9) throw std::runtime_error("event-stream header of unknown type");
    if (type == 6 || type == 7) {
      std::string_view length = take(2);
      std::string_view value = take((size_t{static_cast<uint8_t>(length[0])} << 8) |
                                    size_t{static_cast<uint8_t>(length[1])});
      if (type == 7) message.string_headers[name] = std::string(value);
    } else {
      take(kFixedSize[type]);
    }
  }
  message.payload = bytes.substr(12 + headers_length, total - 16 - headers_length);
  return message;
}

// ---- subscribers

struct Arrival {
  Clock::time_point at;
  std::string message;  // one whole event-stream message, decoded after the run
};

// One SubscribeToShard connection. Runs on the subscribers' io_context; `records_seen` and the
// flags are read by the main thread while it runs, everything else only after it has stopped.
class Subscriber {
 public:
  Subscriber(asio::io_context& io, const Options& options, std::string consumer_arn)
      : options_(options), consumer_arn_(std::move(consumer_arn)), stream_(io) {}

  asio::awaitable<void> Run(tcp::endpoint endpoint) {
    try {
      co_await RunUnguarded(endpoint);
    } catch (const std::exception& problem) {
      if (!stopping_) Fail(problem.what());
    }
  }

  // Closes the connection; the coroutine then ends. Call on the io_context.
  void Stop() {
    stopping_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  std::atomic<bool> started{false};  // the initial-response event has arrived
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> records_seen{0};  // a rough count, for the main thread's drain wait
  std::string error;                      // set before `failed`
  std::vector<Arrival> arrivals;

 private:
  asio::awaitable<void> RunUnguarded(tcp::endpoint endpoint) {
    co_await stream_.socket().async_connect(endpoint, asio::use_awaitable);
    http::request<http::string_body> request{http::verb::post, "/", 11};
    sluice::bench::SetKinesisHeaders(request, options_.host, "SubscribeToShard");
    request.keep_alive(true);
    request.body() = nlohmann::json{{"ConsumerARN", consumer_arn_},
                                    {"ShardId", "shardId-000000000000"},
                                    {"StartingPosition", {{"Type", "LATEST"}}}}
                         .dump();
    request.prepare_payload();
    co_await http::async_write(stream_, request, asio::use_awaitable);

    parser_.body_limit(std::numeric_limits<uint64_t>::max());
    parser_.on_chunk_body(on_body_);
    co_await http::async_read_header(stream_, buffer_, parser_, asio::use_awaitable);
    if (parser_.get().result() != http::status::ok) {
      co_await http::async_read(stream_, buffer_, parser_, asio::use_awaitable);
      std::string message = "SubscribeToShard answered ";
      message.append(std::to_string(parser_.get().result_int()));
      message.append(": ");
      message.append(parser_.get().body());
      throw std::runtime_error(message);
    }
    if (!parser_.chunked()) throw std::runtime_error("SubscribeToShard reply is not chunked");
    while (!parser_.is_done()) {
      co_await http::async_read_some(stream_, buffer_, parser_, asio::use_awaitable);
    }
    if (!stopping_) throw std::runtime_error("the subscription ended during the run");
  }

  // Frames the chunked body into event-stream messages and timestamps each as it completes.
  size_t OnBody(std::string_view body) {
    pending_.append(body);
    while (pending_.size() >= 4) {
      const uint32_t length = BigEndian32(pending_);
      if (length < 16 || length > (16u << 20)) {
        Fail("event-stream message of impossible length " + std::to_string(length));
        pending_.clear();
        break;
      }
      if (pending_.size() < length) break;
      Arrival arrival{Clock::now(), pending_.substr(0, length)};
      pending_.erase(0, length);
      // Counts records without decoding: `"SequenceNumber"` (with its quotes) is a record key;
      // base64 data has no quotes. The exact check comes after the run.
      uint64_t records = 0;
      for (size_t at = arrival.message.find("\"SequenceNumber\""); at != std::string::npos;
           at = arrival.message.find("\"SequenceNumber\"", at + 1)) {
        ++records;
      }
      arrivals.push_back(std::move(arrival));
      records_seen += records;
      started = true;  // the first message is the initial-response; checked after the run
    }
    return body.size();
  }

  void Fail(std::string why) {
    if (failed) return;
    error = std::move(why);
    failed = true;
  }

  const Options& options_;
  const std::string consumer_arn_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  // The parser keeps a reference to its chunk callback: a member, so that it outlives the parser.
  std::function<size_t(uint64_t, beast::string_view, beast::error_code&)> on_body_ =
      [this](uint64_t, beast::string_view body, beast::error_code&) {
        return OnBody(std::string_view(body.data(), body.size()));
      };
  http::response_parser<http::string_body> parser_;
  std::string pending_;
  bool stopping_ = false;
};

// ---- the producer

struct Put {
  Clock::time_point sent;
  Clock::time_point acked;
  std::string sequence_number;
};

std::string RecordData(uint64_t id, int bytes) {
  std::string digits = std::to_string(id);
  std::string data(kIdDigits - std::min(kIdDigits, digits.size()), '0');
  data.append(digits);
  data.resize(std::max<size_t>(data.size(), static_cast<size_t>(bytes)), '.');
  return data;
}

// PutRecord at `options.rate` per second for `options.seconds`, one call at a time; a call that
// does not answer 200 ends the run with an error.
std::vector<Put> Produce(const Options& options, const std::string& stream) {
  asio::io_context io;
  KinesisConnection connection(io, options.host, options.port);
  std::vector<Put> puts;
  const auto period = std::chrono::nanoseconds(1'000'000'000LL / options.rate);
  const uint64_t count = static_cast<uint64_t>(options.rate) * options.seconds;
  puts.reserve(count);
  std::string body;
  const auto start = Clock::now();
  for (uint64_t id = 0; id < count; ++id) {
    std::this_thread::sleep_until(start + period * static_cast<int64_t>(id));
    nlohmann::json request = {{"StreamName", stream},
                              {"Data", sluice::Base64Encode(RecordData(id, options.record_bytes))},
                              {"PartitionKey", std::to_string(id)}};
    std::string payload = request.dump();
    Put put;
    put.sent = Clock::now();
    const int status = connection.Call("PutRecord", payload, body);
    put.acked = Clock::now();
    if (status != 200) {
      std::string message = "PutRecord ";
      message.append(std::to_string(id));
      message.append(" answered ");
      message.append(std::to_string(status));
      message.append(": ");
      message.append(body);
      throw std::runtime_error(message);
    }
    put.sequence_number = nlohmann::json::parse(body).at("SequenceNumber").get<std::string>();
    puts.push_back(std::move(put));
  }
  return puts;
}

// ---- checks and statistics

struct Latencies {
  std::vector<double> from_ack_us;
  std::vector<double> from_send_us;
  uint64_t events = 0;  // SubscribeToShardEvent events carrying records
};

// Decodes everything one subscriber received and checks it got each put exactly once, in order,
// with the put's sequence number; adds its latencies. Throws on the first discrepancy.
void CheckSubscriber(const Subscriber& subscriber, size_t index, const std::vector<Put>& puts,
                     Latencies& latencies) {
  auto fail = [index](const std::string& why) {
    std::string message = "subscriber ";
    message.append(std::to_string(index));
    message.append(": ");
    message.append(why);
    throw std::runtime_error(message);
  };
  if (subscriber.arrivals.empty()) fail("received nothing");
  uint64_t next = 0;  // the id expected next
  for (size_t i = 0; i < subscriber.arrivals.size(); ++i) {
    const Arrival& arrival = subscriber.arrivals[i];
    EventMessage message = DecodeEvent(arrival.message);
    const std::string& type = message.string_headers[":message-type"];
    const std::string& event = message.string_headers[":event-type"];
    if (type != "event") {
      fail("received " + type + " " + message.string_headers[":exception-type"] + ": " +
           std::string(message.payload));
    }
    if (i == 0) {
      if (event != "initial-response") fail("first event is " + event);
      continue;
    }
    if (event != "SubscribeToShardEvent") fail("unexpected event " + event);
    auto payload = nlohmann::json::parse(message.payload);
    const auto& records = payload.at("Records");
    if (!records.empty()) ++latencies.events;
    for (const auto& record : records) {
      auto data = sluice::Base64Decode(record.at("Data").get<std::string>());
      if (!data || data->size() < kIdDigits) fail("record data is not ours");
      const uint64_t id = std::stoull(data->substr(0, kIdDigits));
      if (id != next) {
        fail(id < next ? "record " + std::to_string(id) + " again or out of order, expected " +
                             std::to_string(next)
                       : "records " + std::to_string(next) + " to " + std::to_string(id - 1) +
                             " missing");
      }
      if (id >= puts.size()) fail("record " + std::to_string(id) + " was never acknowledged");
      if (record.at("SequenceNumber").get<std::string>() != puts[id].sequence_number) {
        fail("record " + std::to_string(id) + " has a sequence number other than its put's");
      }
      latencies.from_ack_us.push_back(
          std::chrono::duration<double, std::micro>(arrival.at - puts[id].acked).count());
      latencies.from_send_us.push_back(
          std::chrono::duration<double, std::micro>(arrival.at - puts[id].sent).count());
      ++next;
    }
  }
  if (next != puts.size()) {
    fail("records " + std::to_string(next) + " to " + std::to_string(puts.size() - 1) + " missing");
  }
}

// ---- one measurement

nlohmann::json Measure(const Options& options, int subscriber_count, const std::string& stream) {
  asio::io_context control_io;
  KinesisConnection control(control_io, options.host, options.port);
  const auto summary = sluice::bench::EnsureStream(control, stream, 1);
  const std::string stream_arn = summary.at("StreamARN").get<std::string>();

  std::vector<std::string> consumer_arns;
  std::string body;
  for (int i = 0; i < subscriber_count; ++i) {
    nlohmann::json request = {{"StreamARN", stream_arn},
                              {"ConsumerName", "subscriber-" + std::to_string(i)}};
    if (control.Call("RegisterStreamConsumer", request.dump(), body) != 200) {
      throw std::runtime_error("RegisterStreamConsumer failed: " + body);
    }
    auto consumer = nlohmann::json::parse(body).at("Consumer");
    if (consumer.value("ConsumerStatus", "") != "ACTIVE") {
      throw std::runtime_error(
          "consumer not ACTIVE at once: start the server with --create-consumer-ms 0");
    }
    consumer_arns.push_back(consumer.at("ConsumerARN").get<std::string>());
  }

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  tcp::resolver resolver(io);
  const tcp::endpoint endpoint = *resolver.resolve(options.host, options.port).begin();
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (const auto& arn : consumer_arns) {
    subscribers.push_back(std::make_unique<Subscriber>(io, options, arn));
    asio::co_spawn(io, subscribers.back()->Run(endpoint), asio::detached);
  }
  std::thread client([&io] { io.run(); });
  auto stop = [&] {
    asio::post(io, [&] {
      for (auto& subscriber : subscribers) subscriber->Stop();
    });
    work.reset();
    client.join();
  };
  auto first_failure = [&]() -> const Subscriber* {
    for (const auto& subscriber : subscribers) {
      if (subscriber->failed) return subscriber.get();
    }
    return nullptr;
  };

  try {
    // Every subscription holds (its initial-response arrived) before the first put.
    const auto ready_by = Clock::now() + std::chrono::seconds(10);
    while (!std::all_of(subscribers.begin(), subscribers.end(),
                        [](const auto& s) { return s->started.load(); })) {
      if (auto* failed = first_failure()) throw std::runtime_error(failed->error);
      if (Clock::now() > ready_by) throw std::runtime_error("subscriptions did not start in 10 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

    const auto produce_start = Clock::now();
    std::vector<Put> puts = Produce(options, stream);
    const double produce_seconds =
        std::chrono::duration<double>(Clock::now() - produce_start).count();

    const auto drain_by = Clock::now() + std::chrono::milliseconds(options.drain_ms);
    while (Clock::now() < drain_by && first_failure() == nullptr &&
           !std::all_of(subscribers.begin(), subscribers.end(),
                        [&](const auto& s) { return s->records_seen.load() >= puts.size(); })) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop();
    if (auto* failed = first_failure()) throw std::runtime_error(failed->error);

    Latencies latencies;
    for (size_t i = 0; i < subscribers.size(); ++i) {
      CheckSubscriber(*subscribers[i], i, puts, latencies);
    }
    std::vector<double> put_us;
    for (const auto& put : puts) {
      put_us.push_back(std::chrono::duration<double, std::micro>(put.acked - put.sent).count());
    }
    std::sort(latencies.from_ack_us.begin(), latencies.from_ack_us.end());
    std::sort(latencies.from_send_us.begin(), latencies.from_send_us.end());
    std::sort(put_us.begin(), put_us.end());
    const auto& ack = latencies.from_ack_us;
    const auto& send = latencies.from_send_us;
    return {{"subscribers", subscriber_count},
            {"records", puts.size()},
            {"deliveries", ack.size()},
            {"events", latencies.events},
            {"seconds", produce_seconds},
            {"puts_per_s", static_cast<double>(puts.size()) / produce_seconds},
            {"record_bytes", options.record_bytes},
            {"put_p50_ms", sluice::bench::Percentile(put_us, 0.50) / 1000},
            {"put_p99_ms", sluice::bench::Percentile(put_us, 0.99) / 1000},
            {"ack_min_ms", ack.front() / 1000},
            {"ack_p50_ms", sluice::bench::Percentile(ack, 0.50) / 1000},
            {"ack_p99_ms", sluice::bench::Percentile(ack, 0.99) / 1000},
            {"ack_max_ms", ack.back() / 1000},
            {"send_p50_ms", sluice::bench::Percentile(send, 0.50) / 1000},
            {"send_p99_ms", sluice::bench::Percentile(send, 0.99) / 1000},
            {"send_max_ms", send.back() / 1000}};
  } catch (...) {
    if (client.joinable()) stop();
    throw;
  }
}

bool Parse(int argc, char** argv, Options& options) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return false;
  try {
    if (args.count("--endpoint")) {
      sluice::bench::SplitEndpoint(args["--endpoint"], options.host, options.port);
    }
    if (args.count("--stream-prefix")) options.stream_prefix = args["--stream-prefix"];
    if (args.count("--subscribers")) {
      options.subscribers.clear();
      std::istringstream list(args["--subscribers"]);
      for (std::string item; std::getline(list, item, ',');) {
        options.subscribers.push_back(std::stoi(item));
      }
    }
    if (args.count("--seconds")) options.seconds = std::stoi(args["--seconds"]);
    if (args.count("--rate")) options.rate = std::stoi(args["--rate"]);
    if (args.count("--record-bytes")) options.record_bytes = std::stoi(args["--record-bytes"]);
    if (args.count("--drain-ms")) options.drain_ms = std::stoi(args["--drain-ms"]);
  } catch (const std::exception&) {
    return false;
  }
  // A subscription lasts 5 minutes: the puts and the drain must fit in one.
  return !options.subscribers.empty() && options.seconds > 0 && options.rate > 0 &&
         options.drain_ms >= 0 && int64_t{options.seconds} * 1000 + options.drain_ms < 290000 &&
         std::all_of(options.subscribers.begin(), options.subscribers.end(),
                     [](int n) { return n > 0; });
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!Parse(argc, argv, options)) {
    std::cerr << "usage: sluice-pushbench [--endpoint HOST:PORT] [--subscribers N,N,...]\n"
                 "       [--seconds N] [--rate PUTS_PER_S] [--record-bytes N] [--drain-ms N]\n"
                 "       [--stream-prefix NAME]\n";
    return 2;
  }
  // Streams named per invocation, so that the tool can run twice against one server.
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  for (int n : options.subscribers) {
    std::string stream = options.stream_prefix;
    stream.append("-");
    stream.append(std::to_string(stamp));
    stream.append("-n");
    stream.append(std::to_string(n));
    try {
      std::cout << Measure(options, n, stream).dump() << std::endl;
    } catch (const std::exception& error) {
      std::cerr << "sluice-pushbench: N=" << n << ": " << error.what() << "\n";
      return 1;
    }
  }
  return 0;
}
