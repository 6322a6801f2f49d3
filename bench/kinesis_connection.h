// A blocking keep-alive HTTP/1.1 connection speaking the Kinesis JSON 1.1 protocol, for the
// bench tools (sluice-loadgen, sluice-pushbench). One connection per thread; not thread-safe.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace sluice::bench {

// "HOST:PORT" -> host and port (the port after the last colon).
inline void SplitEndpoint(const std::string& endpoint, std::string& host, std::string& port) {
  host = endpoint.substr(0, endpoint.rfind(':'));
  port = endpoint.substr(endpoint.rfind(':') + 1);
}

// The request headers every bench call carries: JSON 1.1, the operation as X-Amz-Target, and a
// SigV4-shaped Authorization the server accepts without checking the signature.
template <class Request>
void SetKinesisHeaders(Request& request, const std::string& host, const std::string& operation) {
  request.set(boost::beast::http::field::host, host);
  request.set(boost::beast::http::field::content_type, "application/x-amz-json-1.1");
  std::string target = "Kinesis_20131202.";
  target.append(operation);
  request.set("X-Amz-Target", target);
  request.set("X-Amz-Date", "20240101T000000Z");
  request.set(boost::beast::http::field::authorization,
              "AWS4-HMAC-SHA256 Credential=bench/20240101/us-east-1/kinesis/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=0000");
}

class KinesisConnection {
 public:
  KinesisConnection(boost::asio::io_context& io, std::string host, const std::string& port)
      : host_(std::move(host)), stream_(io) {
    boost::asio::ip::tcp::resolver resolver(io);
    stream_.connect(resolver.resolve(host_, port));
  }

  // Sends one call and waits for its reply. Returns the HTTP status and fills `body`.
  int Call(const std::string& operation, const std::string& payload, std::string& body) {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{http::verb::post, "/", 11};
    SetKinesisHeaders(request, host_, operation);
    request.keep_alive(true);
    request.body() = payload;
    request.prepare_payload();
    http::write(stream_, request);
    // GetRecords may answer with up to 10 MiB of records (more once base64-encoded): beyond
    // beast's default 8 MB limit.
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream_, buffer_, parser);
    body = std::move(parser.get().body());
    return parser.get().result_int();
  }

 private:
  std::string host_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

// Creates `stream` with `shards` shards unless it exists, waits until it is ACTIVE and returns
// its StreamDescriptionSummary.
inline nlohmann::json EnsureStream(KinesisConnection& connection, const std::string& stream,
                                   int shards) {
  std::string body;
  nlohmann::json create = {{"StreamName", stream}, {"ShardCount", shards}};
  if (connection.Call("CreateStream", create.dump(), body) != 200 &&
      body.find("ResourceInUseException") == std::string::npos) {  // in use: it exists already
    throw std::runtime_error("CreateStream failed: " + body);
  }
  for (int attempt = 0; attempt < 200; ++attempt) {
    int status = connection.Call("DescribeStreamSummary",
                                 nlohmann::json{{"StreamName", stream}}.dump(), body);
    auto reply = nlohmann::json::parse(body, nullptr, false);
    if (status == 200 && !reply.is_discarded() &&
        reply["StreamDescriptionSummary"].value("StreamStatus", "") == "ACTIVE") {
      return reply["StreamDescriptionSummary"];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("stream " + stream + " did not become ACTIVE");
}

}  // namespace sluice::bench
