#pragma once

// Helpers shared by the libFuzzer targets in this directory (see docs/testing.md).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/api/model.h"
#include "sluice/common/status.h"

namespace sluice::fuzz {

// The iterator secret the fuzz targets and their seed generator share, and another one.
inline std::array<unsigned char, 32> IteratorKey() {
  std::array<unsigned char, 32> key;
  key.fill(0x5a);
  return key;
}
inline std::array<unsigned char, 32> OtherIteratorKey() {
  std::array<unsigned char, 32> key;
  key.fill(0xa5);
  return key;
}

// The clock, token lifetime and stream the page-token target decodes against; the seed
// generator issues its tokens for these, so seeds never expire.
inline constexpr int64_t kTokenNowMs = 1764000000000;
inline constexpr int64_t kTokenTtlMs = 300000;
inline constexpr std::string_view kTokenNamespace = "000000000000/us-east-1/";
inline constexpr std::string_view kTokenStreamArn =
    "arn:aws:kinesis:us-east-1:000000000000:stream/fuzz";
inline constexpr int64_t kTokenStreamCreatedMs = 1763999000000;

// Stops the run with `what` when an invariant fails: libFuzzer reports the abort as a crash and
// saves the input that caused it.
inline void Require(bool holds, std::string_view what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A request body for one operation. Inputs are "<Operation>\n<body>", so that seed files read as
// what they are; when the first line names no operation, its first byte picks one, so that the
// mutations of a name still reach some operation's shape.
struct OperationInput {
  std::string operation;
  std::string_view body;
};

inline OperationInput SplitOperation(std::string_view input) {
  const auto& operations = api::ApiModel::Get().operations();
  const size_t newline = input.find('\n');
  std::string_view first = newline == std::string_view::npos ? input : input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  for (const auto& operation : operations) {
    if (operation == first) return {operation, body};
  }
  const size_t pick = first.empty() ? 0 : static_cast<unsigned char>(first[0]);
  return {operations[pick % operations.size()], body};
}

// Whether a failed decode or validation is one AWS answers with a 400 for the request's content
// (SerializationException or ValidationException), never an internal error.
inline bool IsClientError(const Status& status) {
  return status.code() == ErrorCode::kSerialization || status.code() == ErrorCode::kValidation;
}

}  // namespace sluice::fuzz
