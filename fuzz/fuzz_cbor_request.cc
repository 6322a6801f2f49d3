// The CBOR 1.1 request decoder (cbor_reader.h's well-formedness check, then the walk along the
// operation's input shape) and the model validator, for every operation.
//
// Invariants beyond "no crash":
// - decoding fails only with a SerializationException, validation only with a
//   ValidationException or (an Integer past int32, validator.cc) a SerializationException;
// - what decodes re-encodes with the codec's own encoder (definite lengths, tag 1 timestamps,
//   byte strings) into CBOR that decodes to the same value and validates the same way.

#include "api/validator.h"
#include "fuzz_support.h"
#include "protocol/wire_codec.h"

using sluice::api::ApiModel;
using sluice::api::ValidateInput;
using sluice::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [operation, body] = sluice::fuzz::SplitOperation(sluice::fuzz::AsText(data, size));
  const sluice::api::Shape* input = ApiModel::Get().Input(operation);
  const sluice::protocol::WireCodec& codec =
      *sluice::protocol::CodecFor("application/x-amz-cbor-1.1");

  auto decoded = codec.DecodeRequest(input, body);
  if (!decoded.ok()) {
    Require(decoded.status().code() == sluice::ErrorCode::kSerialization,
            "a CBOR body failed to decode with something other than a SerializationException");
    return 0;
  }
  sluice::Status valid = input == nullptr ? sluice::Status::Ok() : ValidateInput(*input, *decoded);
  Require(valid.ok() || sluice::fuzz::IsClientError(valid),
          "validation failed with something other than a Validation or SerializationException");

  if (input == nullptr) return 0;
  const std::string encoded = codec.EncodeResponse(input, *decoded);
  auto again = codec.DecodeRequest(input, encoded);
  Require(again.ok(), "the encoding of a decoded request does not decode");
  Require(*again == *decoded, "a decoded request does not survive encoding and decoding");
  sluice::Status revalid = ValidateInput(*input, *again);
  Require(revalid.ok() == valid.ok() && revalid.message() == valid.message(),
          "a re-decoded request validates differently");
  return 0;
}
