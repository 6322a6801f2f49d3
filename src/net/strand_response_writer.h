#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "sluice/net/response_writer.h"

namespace sluice::net {

// The connection side of a StrandResponseWriter: a session that frames responses for its
// transport. `exchange` names the request being answered (a per-connection counter for
// HTTP/1.1, a stream id for HTTP/2), so that a writer outliving its request changes nothing.
// Every member runs on the connection's strand; each must deal with a stale `exchange`, and
// OnResponseWrite must call `done` exactly once.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void OnResponseStart(uint64_t exchange, int status, HttpHeaders headers,
                               std::optional<uint64_t> content_length) = 0;
  virtual void OnResponseWrite(uint64_t exchange, std::string chunk, WriteDone done) = 0;
  virtual void OnResponseFinish(uint64_t exchange) = 0;
  // The writer gave up: dropped unfinished, the handler threw, or the queue bound was hit.
  virtual void OnResponseAbort(uint64_t exchange, std::string_view why) = 0;
};

// A ResponseWriter that forwards every call to its sink on the connection's strand, in call
// order, and keeps the sink (the session) alive while the handler holds the writer. It also
// enforces what can be checked without the strand: nothing after Finish, and the bound on
// queued body bytes, counted here at the caller so that the posted chunks themselves are part
// of the bound.
//
// Threads: any (see ResponseWriter); the sink's members run on `strand`.
class StrandResponseWriter final : public ResponseWriter {
 public:
  StrandResponseWriter(std::shared_ptr<ResponseSink> sink, boost::asio::any_io_executor strand,
                       uint64_t exchange, size_t max_queued_bytes);
  ~StrandResponseWriter() override;
  StrandResponseWriter(const StrandResponseWriter&) = delete;
  StrandResponseWriter& operator=(const StrandResponseWriter&) = delete;

  void Start(int status, HttpHeaders headers, std::optional<uint64_t> content_length) override;
  void Write(std::string chunk, WriteDone done) override;
  void Finish() override;

  // Aborts the response unless it is already finished (used when the handler throws).
  void Abort(std::string_view why);

 private:
  // Reports `done(false)` on the strand, as every other completion is reported.
  void Refuse(WriteDone done);

  const std::shared_ptr<ResponseSink> sink_;
  const boost::asio::any_io_executor strand_;
  const uint64_t exchange_;
  const size_t max_queued_bytes_;
  // Body bytes handed to Write whose `done` has not run yet; shared with the completions, which
  // may run after the writer is gone.
  const std::shared_ptr<std::atomic<size_t>> queued_bytes_;
  // Set by Finish or Abort: from then on every call is refused.
  std::atomic<bool> closed_{false};
};

// Tells `done`, if set, what became of its chunk. A throwing callback is the producer's bug: it
// is swallowed so that the other chunks' callbacks still run and the connection goes on.
void ReportWriteDone(WriteDone& done, bool delivered) noexcept;

}  // namespace sluice::net
