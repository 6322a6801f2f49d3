#pragma once

#include <string>
#include <string_view>

#include "sluice/api/api.h"
#include "sluice/api/model.h"
#include "sluice/common/status.h"

namespace sluice::protocol {

// One wire encoding of Kinesis requests and replies: AWS JSON 1.1 (json_codec.h) or CBOR 1.1
// (cbor_codec.h). A codec turns a request body into the encoding-neutral api::Value the handlers
// work with (blobs are binary values, timestamps integer epoch milliseconds; see api.h) and turns
// a neutral reply or a failure back into a body. Both directions walk the operation's shape from
// the API model: that is how a codec tells a timestamp from a Long and a blob from a string.
//
// Implementations are immutable and thread-safe.
class WireCodec {
 public:
  virtual ~WireCodec() = default;

  // The Content-Type of replies in this encoding.
  virtual std::string_view content_type() const = 0;

  // The body as a neutral value of shape `input` (nullptr: an operation without input members).
  // Members the model does not know, and null members of structures, are dropped; structure
  // members come out in model order. A body that does not parse, or a member of the wrong type,
  // is a SerializationException with the text AWS gives for this encoding. Constraints (lengths,
  // patterns, required members) are api/'s to check.
  virtual Result<api::Value> DecodeRequest(const api::Shape* input,
                                           std::string_view body) const = 0;

  // The body of a successful reply; `output` is the operation's output shape, nullptr for
  // operations without output members.
  virtual std::string EncodeResponse(const api::Shape* output, api::Value reply) const = 0;

  // The body of a successful reply of an operation without output members. AWS JSON answers
  // those with an empty body; CBOR, whose clients always parse the body, with an empty map.
  virtual std::string EncodeNoOutput() const = 0;

  // The body of an error reply.
  virtual std::string EncodeError(const Status& status) const = 0;
  // The HTTP status of an error reply: AWS's for the error (error_mapping.h), except where the
  // encoding wraps errors in a 200 (legacy `application/json`).
  virtual int ErrorStatus(const Status& status) const;
};

// The shape of member `name` of a value of `shape` (a structure's member, a map's values);
// nullptr when the model does not say (no shape, another type, a member the model lacks).
// Encoders walk replies with it.
const api::Shape* MemberShape(const api::Shape* shape, std::string_view name);

// The codec for a request's media type (lower-cased, without parameters), or nullptr when Sluice
// does not speak that encoding. The one place that maps content types to encodings.
const WireCodec* CodecFor(std::string_view media_type);

// The codec for answers to requests in no encoding Sluice speaks, and for requests the HTTP layer
// refused before their headers could be read.
const WireCodec& FallbackCodec();

}  // namespace sluice::protocol
