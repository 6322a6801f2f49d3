#include "net/strand_response_writer.h"

#include <utility>

#include <boost/asio/post.hpp>

namespace sluice::net {

namespace asio = boost::asio;

StrandResponseWriter::StrandResponseWriter(std::shared_ptr<ResponseSink> sink,
                                           asio::any_io_executor strand, uint64_t exchange,
                                           size_t max_queued_bytes)
    : sink_(std::move(sink)),
      strand_(std::move(strand)),
      exchange_(exchange),
      max_queued_bytes_(max_queued_bytes),
      queued_bytes_(std::make_shared<std::atomic<size_t>>(0)) {}

StrandResponseWriter::~StrandResponseWriter() { Abort("the handler dropped its response writer"); }

void StrandResponseWriter::Start(int status, HttpHeaders headers,
                                 std::optional<uint64_t> content_length) {
  if (closed_.load()) return;
  asio::post(strand_, [sink = sink_, exchange = exchange_, status, headers = std::move(headers),
                       content_length]() mutable {
    sink->OnResponseStart(exchange, status, std::move(headers), content_length);
  });
}

void StrandResponseWriter::Write(std::string chunk, WriteDone done) {
  if (closed_.load()) return Refuse(std::move(done));
  const size_t size = chunk.size();
  const size_t queued_before = queued_bytes_->fetch_add(size);
  if (queued_before >= max_queued_bytes_) {
    // The peer is not keeping up and the producer is not waiting for it: end the response
    // rather than buffer without limit.
    queued_bytes_->fetch_sub(size);
    Abort("the response outran its reader (queued-bytes bound reached)");
    return Refuse(std::move(done));
  }
  WriteDone counted = [queued = queued_bytes_, size, done = std::move(done)](bool delivered) {
    queued->fetch_sub(size);
    if (done) done(delivered);
  };
  asio::post(strand_, [sink = sink_, exchange = exchange_, chunk = std::move(chunk),
                       counted = std::move(counted)]() mutable {
    sink->OnResponseWrite(exchange, std::move(chunk), std::move(counted));
  });
}

void StrandResponseWriter::Finish() {
  if (closed_.exchange(true)) return;
  asio::post(strand_, [sink = sink_, exchange = exchange_] { sink->OnResponseFinish(exchange); });
}

void StrandResponseWriter::Abort(std::string_view why) {
  if (closed_.exchange(true)) return;
  asio::post(strand_, [sink = sink_, exchange = exchange_, why = std::string(why)] {
    sink->OnResponseAbort(exchange, why);
  });
}

void ReportWriteDone(WriteDone& done, bool delivered) noexcept {
  if (!done) return;
  try {
    done(delivered);
  } catch (...) {
    // See the declaration: the producer's bug, not the connection's.
  }
}

void StrandResponseWriter::Refuse(WriteDone done) {
  if (!done) return;
  asio::post(strand_, [done = std::move(done)] { done(false); });
}

}  // namespace sluice::net
