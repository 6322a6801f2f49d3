#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/cbor_reader.h"

namespace sluice::protocol {

// Appends CBOR (RFC 8949) data items to a byte string, every head in its shortest form. Maps and
// arrays are written with definite lengths, which every CBOR client accepts (AWS itself writes
// indefinite ones); the Start functions write only the head, and the caller writes exactly that
// many items (twice as many for a map: key, value, key, value...).
//
// Not thread-safe; one writer per body.
class CborWriter {
 public:
  void Unsigned(uint64_t value) { Head(CborMajor::kUnsigned, value); }
  void Integer(int64_t value);
  // A double, as a single-precision float when that loses nothing.
  void Float(double value);
  void Boolean(bool value);
  void Null();
  // Text must be UTF-8; ill-formed sequences are written as U+FFFD.
  void Text(std::string_view text);
  void Bytes(std::span<const uint8_t> bytes);
  void Tag(uint64_t number) { Head(CborMajor::kTag, number); }
  void StartArray(uint64_t items) { Head(CborMajor::kArray, items); }
  void StartMap(uint64_t pairs) { Head(CborMajor::kMap, pairs); }
  // Indefinite-length arrays and maps, closed by Break().
  void StartIndefiniteArray() { out_.push_back('\x9f'); }
  void StartIndefiniteMap() { out_.push_back('\xbf'); }
  void Break() { out_.push_back('\xff'); }
  // A head with the argument in the fewest bytes: in the initial byte below 24, else 1, 2, 4
  // or 8 bytes big-endian after it.
  void Head(CborMajor major, uint64_t argument);

  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace sluice::protocol
