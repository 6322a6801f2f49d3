// The shard-iterator decoder (IteratorCodec::Decode): what GetRecords and SubscribeToShard read
// from a client. Iterators are AES-256-GCM under the server's secret; the seed corpus holds real
// ones made with the fuzz key (fuzz_support.h), so mutations start from valid iterators.
//
// Invariants beyond "no crash":
// - an iterator that decodes was made by our encoder with this key: it does not decode under
//   another key, and changing any one byte of it makes it fail (a forged or tampered iterator,
//   with a MAC that does not match, never decodes);
// - what decodes encodes again into an iterator that decodes to the same position;
// - any position (the input read as one, with texts of any length) survives Encode and Decode.

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_support.h"
#include "sluice/broker/shard_iterator.h"
#include "sluice/common/base64.h"

namespace {

using sluice::broker::IteratorCodec;
using sluice::broker::IteratorPosition;
using sluice::fuzz::Require;

bool Same(const IteratorPosition& a, const IteratorPosition& b) {
  return a.account == b.account && a.region == b.region && a.stream_name == b.stream_name &&
         a.stream_created_ms == b.stream_created_ms && a.shard_index == b.shard_index &&
         a.seq_index == b.seq_index && a.issued_ms == b.issued_ms;
}

void CheckDecode(const IteratorCodec& codec, std::string_view text) {
  auto position = codec.Decode(text);
  if (!position) return;
  Require(!IteratorCodec(sluice::fuzz::OtherIteratorKey()).Decode(text),
          "an iterator decodes under a key it was not made with");
  auto encoded = codec.Encode(*position);
  Require(encoded.ok(), "a decoded position does not encode");
  auto again = codec.Decode(*encoded);
  Require(again && Same(*again, *position), "a decoded iterator does not re-encode to itself");
  // Every byte after the fixed header is covered by the tag.
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  auto raw = sluice::Base64Decode(text);
  Require(raw.has_value(), "a decoded iterator is not base64");
  for (size_t i = 8; i < raw->size(); ++i) {
    std::string tampered = *raw;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x20);
    Require(!codec.Decode(sluice::Base64Encode(tampered)), "a tampered iterator decodes");
  }
}

void CheckRoundTrip(const IteratorCodec& codec, const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  IteratorPosition position;
  position.issued_ms = input.ConsumeIntegral<int64_t>();
  position.stream_created_ms = input.ConsumeIntegral<int64_t>();
  position.shard_index = sluice::broker::ShardIndex{input.ConsumeIntegral<uint32_t>()};
  position.seq_index = input.ConsumeIntegral<uint64_t>();
  position.stream_name = input.ConsumeRandomLengthString(1024);
  position.account = input.ConsumeRandomLengthString(1024);
  position.region = input.ConsumeRemainingBytesAsString();
  auto encoded = codec.Encode(position);
  Require(encoded.ok(), "a position does not encode");
  auto decoded = codec.Decode(*encoded);
  Require(decoded && Same(*decoded, position), "an encoded position does not decode to itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const IteratorCodec codec(sluice::fuzz::IteratorKey());
  CheckDecode(codec, sluice::fuzz::AsText(data, size));
  CheckRoundTrip(codec, data, size);
  return 0;
}
