#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/broker/shard_index.h"
#include "sluice/common/status.h"

namespace sluice::broker {

// Where an iterator points, and who it belongs to. The stream's creation time is part of its
// identity, so an iterator for a deleted stream is not accepted by a new stream of that name.
struct IteratorPosition {
  std::string account;
  std::string region;
  std::string stream_name;
  int64_t stream_created_ms = 0;
  ShardIndex shard_index;
  uint64_t seq_index = 0;  // the next record to read
  int64_t issued_ms = 0;
};

// Iterators are the only place their format is known. They look like AWS's: base64 of an
// 8-byte header 00 00 00 00 00 00 00 01 and a body in 16-byte blocks, at least 152 bytes. The
// body is AES-256-GCM (nonce, ciphertext, tag) under a server secret, so a client can neither
// read nor forge one, and any tampering fails authentication.
//
// Thread-safe: the key is immutable after construction.
class IteratorCodec {
 public:
  using Key = std::array<unsigned char, 32>;
  explicit IteratorCodec(const Key& key) : key_(key) {}

  // kInternal only when OpenSSL fails (no randomness for the nonce, say): an iterator is never
  // made with a nonce that may repeat.
  Result<std::string> Encode(const IteratorPosition& position) const;
  // nullopt for anything not produced by Encode with the same key. Surrounding double quotes
  // are tolerated, as AWS does.
  std::optional<IteratorPosition> Decode(std::string_view text) const;

 private:
  Key key_;
};

// Reads the iterator secret from `path`, creating it (32 random bytes, mode 0600 from the first
// moment, written durably) if nothing is there. A secret that exists but cannot be read, or has
// the wrong size, is an error: replacing it would invalidate every iterator handed out.
Result<IteratorCodec::Key> LoadOrCreateIteratorKey(const std::filesystem::path& path);

}  // namespace sluice::broker
