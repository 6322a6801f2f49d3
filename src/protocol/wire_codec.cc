#include "protocol/wire_codec.h"

#include "protocol/cbor_codec.h"
#include "protocol/json_codec.h"
#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {
namespace {

// Legacy `application/json` is JSON 1.1 under another name (clients that send it expect it back),
// but with AWS's old error envelope.
const JsonCodec kJson11("application/x-amz-json-1.1", JsonCodec::Errors::kPlain);
const JsonCodec kJsonLegacy("application/json", JsonCodec::Errors::kLegacyEnvelope);
const CborCodec kCbor11;

}  // namespace

int WireCodec::ErrorStatus(const Status& status) const { return ToWire(status.code()).http_status; }

const api::Shape* MemberShape(const api::Shape* shape, std::string_view name) {
  if (shape == nullptr) return nullptr;
  if (shape->type == api::Shape::Type::kMap) return shape->value;
  if (shape->type != api::Shape::Type::kStructure) return nullptr;
  for (const auto& member : shape->members) {
    if (member.name == name) return member.shape;
  }
  return nullptr;
}

const WireCodec* CodecFor(std::string_view media_type) {
  if (media_type == kJson11.content_type()) return &kJson11;
  if (media_type == kJsonLegacy.content_type()) return &kJsonLegacy;
  if (media_type == kCbor11.content_type()) return &kCbor11;
  return nullptr;
}

const WireCodec& FallbackCodec() { return kJson11; }

}  // namespace sluice::protocol
