#pragma once

#include "protocol/wire_codec.h"

namespace sluice::protocol {

// AWS JSON 1.1, the encoding of the CLI, boto3 and the Go and JS SDKs: blobs are base64 strings
// and timestamps epoch seconds as numbers (a fraction on output, `1701760153.593`). Decoding
// reads the body the way AWS's Coral JSON reader does and answers a member of the wrong type with
// Coral's Java texts (`class java.lang.String can not be converted to an Integer`).
class JsonCodec final : public WireCodec {
 public:
  // `content_type` is what replies carry: the JSON 1.1 type, or legacy `application/json`.
  explicit constexpr JsonCodec(std::string_view content_type) : content_type_(content_type) {}

  std::string_view content_type() const override { return content_type_; }
  Result<api::Value> DecodeRequest(const api::Shape* input, std::string_view body) const override;
  std::string EncodeResponse(const api::Shape* output, api::Value reply) const override;
  // {"__type": ..., "message": ...}; SerializationException spells it "Message", as AWS does,
  // and an empty message is left out.
  std::string EncodeError(const Status& status) const override;

 private:
  std::string_view content_type_;
};

}  // namespace sluice::protocol
