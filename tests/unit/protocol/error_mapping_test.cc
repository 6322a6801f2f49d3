#include "sluice/protocol/error_mapping.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace sluice::protocol {
namespace {

// Every ErrorCode, listed here by hand: a new code must be added to this table too.
struct Expected {
  ErrorCode code;
  int status;
  const char* type;
};
constexpr Expected kAll[] = {
    {ErrorCode::kValidation, 400, "ValidationException"},
    {ErrorCode::kSerialization, 400, "SerializationException"},
    {ErrorCode::kUnknownOperation, 400, "UnknownOperationException"},
    {ErrorCode::kMissingAuthenticationToken, 400, "MissingAuthenticationTokenException"},
    {ErrorCode::kIncompleteSignature, 400, "IncompleteSignatureException"},
    {ErrorCode::kInvalidSignature, 400, "InvalidSignatureException"},
    {ErrorCode::kUnrecognizedClient, 400, "UnrecognizedClientException"},
    {ErrorCode::kAccessDenied, 403, "AccessDeniedException"},
    {ErrorCode::kResourceNotFound, 400, "ResourceNotFoundException"},
    {ErrorCode::kResourceInUse, 400, "ResourceInUseException"},
    {ErrorCode::kInvalidArgument, 400, "InvalidArgumentException"},
    {ErrorCode::kExpiredIterator, 400, "ExpiredIteratorException"},
    {ErrorCode::kExpiredNextToken, 400, "ExpiredNextTokenException"},
    {ErrorCode::kLimitExceeded, 400, "LimitExceededException"},
    {ErrorCode::kProvisionedThroughputExceeded, 400, "ProvisionedThroughputExceededException"},
    {ErrorCode::kRequestTooLarge, 413, "RequestEntityTooLargeException"},
    {ErrorCode::kInternal, 500, "InternalFailure"},
    {ErrorCode::kUnavailable, 503, "ServiceUnavailableException"},
};

TEST(ErrorMappingTest, EveryCodeHasItsStatusAndType) {
  std::set<std::string> types;
  for (const auto& expected : kAll) {
    WireError wire = ToWire(expected.code);
    EXPECT_EQ(wire.http_status, expected.status) << expected.type;
    EXPECT_EQ(wire.type, expected.type);
    types.insert(std::string(wire.type));
  }
  EXPECT_EQ(types.size(), std::size(kAll)) << "two codes share a type";
  EXPECT_EQ(static_cast<int>(ErrorCode::kUnavailable) + 1, static_cast<int>(std::size(kAll)))
      << "an ErrorCode is missing from this test's table";
}

}  // namespace
}  // namespace sluice::protocol
