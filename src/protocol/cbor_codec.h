#pragma once

#include "protocol/wire_codec.h"

namespace sluice::protocol {

// AWS CBOR 1.1 (`application/x-amz-cbor-1.1`), the default encoding of the Java SDKs v1 and v2
// and so of the KCL, the KPL's Java side and the Flink and Spark connectors: blobs are byte
// strings and timestamps tag 1 wrapping integer epoch milliseconds, in both directions
// (AWS-COMPAT.md, "Encodings").
//
// Decoding first checks that the body is one well-formed CBOR item (cbor_reader.h: bounds,
// reserved values, break codes, nesting), then walks it along the input shape the way the JSON
// codec walks a parsed body: structure members in model order, unknown members skipped, null
// members dropped, and a member of the wrong type answered with the text Coral's JSON reader
// gives for the corresponding JSON value (`class java.lang.String can not be converted to an
// Integer`). What is accepted besides the Java SDK's own output:
// - text strings definite or in chunks; byte strings likewise; any integer width;
// - half, single and double floats for Integer and Long members (truncated, as JSON numbers are);
// - timestamps as integers or floats, tagged 1 or not, always in milliseconds (the unit of this
//   protocol; a float is rounded to the millisecond);
// - other tags are ignored and their content read in their place;
// - not a text string for a blob: the Java SDKs never send one, and base64 in CBOR is
//   unrecorded for AWS, so it is a SerializationException.
// An empty body, or a top-level item that is not a map, is a bare SerializationException as in
// JSON; malformed CBOR says what is wrong and at which byte.
class CborCodec final : public WireCodec {
 public:
  std::string_view content_type() const override { return "application/x-amz-cbor-1.1"; }
  Result<api::Value> DecodeRequest(const api::Shape* input, std::string_view body) const override;
  // A map with definite lengths; timestamps as tag 1 and integer milliseconds wherever the
  // output shape says Timestamp, blobs as byte strings.
  std::string EncodeResponse(const api::Shape* output, api::Value reply) const override;
  // A map {"__type": ..., "message": ...}, spelt "Message" for SerializationException and
  // without a message when it is empty, as the JSON codec does.
  std::string EncodeError(const Status& status) const override;
  // An empty map.
  std::string EncodeNoOutput() const override;
};

}  // namespace sluice::protocol
