#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice {

// Every failure the server can report, in our own terms. The mapping to an HTTP status and an
// AWS `__type` is written once, in protocol/error_mapping.cc, as a switch with no default: adding
// a code here does not compile until that mapping handles it.
enum class ErrorCode {
  kValidation,                     // request failed the API model's constraints
  kSerialization,                  // body is not the JSON/CBOR the operation expects
  kUnknownOperation,               // X-Amz-Target missing or not a Kinesis operation
  kMissingAuthenticationToken,     // neither Authorization header nor presigned query
  kIncompleteSignature,            // Authorization present but malformed
  kInvalidSignature,               // signature present but wrong or contradictory
  kUnrecognizedClient,             // access key id not known
  kAccessDenied,                   // not a POST, or not allowed
  kResourceNotFound,               // stream, shard or consumer does not exist
  kResourceInUse,                  // resource exists or is in the wrong state
  kInvalidArgument,                // semantically wrong argument (bad iterator, sequence number)
  kExpiredIterator,                // shard iterator older than 5 minutes
  kExpiredNextToken,               // pagination token expired
  kLimitExceeded,                  // account or stream limit
  kProvisionedThroughputExceeded,  // per-shard rate limit
  kRequestTooLarge,                // body over the configured limit
  kInternal,                       // a bug or an unexpected storage failure
  kUnavailable,                    // not enough healthy storage nodes for a quorum
};

// The outcome of an operation that returns no value. Cheap to copy when ok.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message)
      : failed_(true), code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return !failed_; }
  // Only meaningful when !ok().
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Lets SLUICE_RETURN_IF_ERROR treat a Status and a Result alike.
  const Status& status() const { return *this; }

 private:
  bool failed_ = false;
  ErrorCode code_ = ErrorCode::kInternal;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {}  // NOLINT: implicit by design
  Result(ErrorCode code, std::string message) : value_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T& value() & { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The failure; Status::Ok() when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(value_); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace sluice

// Propagates a failed Status (or the Status of a failed Result) to the caller.
#define SLUICE_RETURN_IF_ERROR(expr)                          \
  do {                                                        \
    auto sluice_status_ = (expr);                             \
    if (!sluice_status_.ok()) return sluice_status_.status(); \
  } while (false)
