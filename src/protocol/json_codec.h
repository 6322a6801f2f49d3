#pragma once

#include "protocol/wire_codec.h"

namespace sluice::protocol {

// AWS JSON 1.1, the encoding of the CLI, boto3 and the Go and JS SDKs: blobs are base64 strings
// and timestamps epoch seconds as numbers (a fraction on output, `1701760153.593`). Decoding
// reads the body the way AWS's Coral JSON reader does and answers a member of the wrong type with
// Coral's Java texts (`class java.lang.String can not be converted to an Integer`).
class JsonCodec final : public WireCodec {
 public:
  // How errors look: AWS JSON 1.1's plain object, or the envelope AWS wraps errors in for
  // legacy `application/json` requests:
  // `{"Output":{"__type":"com.amazon.coral.service#<Type>","message":...},"Version":"1.0"}`,
  // sent with status 200 (as the real service does).
  enum class Errors { kPlain, kLegacyEnvelope };

  // `content_type` is what replies carry: the JSON 1.1 type, or legacy `application/json`.
  constexpr JsonCodec(std::string_view content_type, Errors errors)
      : content_type_(content_type), errors_(errors) {}

  std::string_view content_type() const override { return content_type_; }
  Result<api::Value> DecodeRequest(const api::Shape* input, std::string_view body) const override;
  std::string EncodeResponse(const api::Shape* output, api::Value reply) const override;
  // {"__type": ..., "message": ...}; SerializationException spells it "Message", as AWS does,
  // and an empty message is left out.
  std::string EncodeError(const Status& status) const override;
  int ErrorStatus(const Status& status) const override;
  // An empty body.
  std::string EncodeNoOutput() const override { return {}; }

 private:
  std::string_view content_type_;
  Errors errors_;
};

}  // namespace sluice::protocol
