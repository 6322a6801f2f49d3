#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {

// No default: a new ErrorCode does not compile (-Werror=switch) until it is mapped here.
WireError ToWire(ErrorCode code) {
  switch (code) {
    case ErrorCode::kValidation:
      return {400, "ValidationException"};
    case ErrorCode::kSerialization:
      return {400, "SerializationException"};
    case ErrorCode::kUnknownOperation:
      return {400, "UnknownOperationException"};
    case ErrorCode::kMissingAuthenticationToken:
      return {400, "MissingAuthenticationTokenException"};
    case ErrorCode::kIncompleteSignature:
      return {400, "IncompleteSignatureException"};
    case ErrorCode::kInvalidSignature:
      return {400, "InvalidSignatureException"};
    case ErrorCode::kUnrecognizedClient:
      return {400, "UnrecognizedClientException"};
    case ErrorCode::kAccessDenied:
      return {403, "AccessDeniedException"};
    case ErrorCode::kResourceNotFound:
      return {400, "ResourceNotFoundException"};
    case ErrorCode::kResourceInUse:
      return {400, "ResourceInUseException"};
    case ErrorCode::kInvalidArgument:
      return {400, "InvalidArgumentException"};
    case ErrorCode::kExpiredIterator:
      return {400, "ExpiredIteratorException"};
    case ErrorCode::kExpiredNextToken:
      return {400, "ExpiredNextTokenException"};
    case ErrorCode::kLimitExceeded:
      return {400, "LimitExceededException"};
    case ErrorCode::kProvisionedThroughputExceeded:
      return {400, "ProvisionedThroughputExceededException"};
    case ErrorCode::kRequestTooLarge:
      return {413, "RequestEntityTooLargeException"};
    case ErrorCode::kInternal:
      return {500, "InternalFailure"};
    case ErrorCode::kUnavailable:
      return {503, "ServiceUnavailableException"};
  }
  return {500, "InternalFailure"};  // unreachable: every enumerator is handled above
}

}  // namespace sluice::protocol
