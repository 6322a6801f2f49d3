#include "protocol/wire_codec.h"

#include "protocol/json_codec.h"

namespace sluice::protocol {
namespace {

// Legacy `application/json` is JSON 1.1 under another name: clients that send it expect it back.
const JsonCodec kJson11("application/x-amz-json-1.1");
const JsonCodec kJsonLegacy("application/json");

}  // namespace

const WireCodec* CodecFor(std::string_view media_type) {
  if (media_type == kJson11.content_type()) return &kJson11;
  if (media_type == kJsonLegacy.content_type()) return &kJsonLegacy;
  return nullptr;
}

const WireCodec& FallbackCodec() { return kJson11; }

}  // namespace sluice::protocol
