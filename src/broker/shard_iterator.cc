#include "sluice/broker/shard_iterator.h"

#include <algorithm>
#include <memory>
#include <string>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sluice/common/base64.h"
#include "sluice/common/durable_file.h"

namespace sluice::broker {
namespace {

constexpr unsigned char kHeader[8] = {0, 0, 0, 0, 0, 0, 0, 1};
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
// Version 1 gave each text a one-byte length, which a text over 255 bytes (a region from a
// credential scope can be longer) silently overflowed; version 2 gives four. Version 1 iterators
// still decode until they expire.
constexpr uint8_t kPlainVersion1 = 1;
constexpr uint8_t kPlainVersion = 2;
constexpr int kTextLengthBytes = 4;
constexpr int kTextLengthBytesV1 = 1;
constexpr size_t kMinTotalBytes = 152;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

void PutInt(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void PutText(std::string& out, std::string_view text) {
  PutInt(out, text.size(), kTextLengthBytes);
  out.append(text);
}

// Reads fields back in the order PutInt/PutText wrote them; any overrun marks it failed.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  uint64_t Int(int bytes) {
    if (!Take(bytes)) return 0;
    uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<uint8_t>(data_[pos_ + i]);
    pos_ += bytes;
    return value;
  }
  std::string Text(int length_bytes) {
    size_t length = Int(length_bytes);
    if (!Take(length)) return {};
    std::string text(data_.substr(pos_, length));
    pos_ += length;
    return text;
  }
  bool failed() const { return failed_; }

 private:
  bool Take(size_t bytes) {
    if (failed_ || pos_ + bytes > data_.size()) failed_ = true;
    return !failed_;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace

Result<std::string> IteratorCodec::Encode(const IteratorPosition& position) const {
  std::string plain;
  plain.push_back(static_cast<char>(kPlainVersion));
  PutInt(plain, static_cast<uint64_t>(position.issued_ms), 8);
  PutInt(plain, static_cast<uint64_t>(position.stream_created_ms), 8);
  PutInt(plain, position.shard_index.value(), 4);
  PutInt(plain, position.seq_index, 8);
  PutText(plain, position.stream_name);
  PutText(plain, position.account);
  PutText(plain, position.region);
  // Pad so that the body (nonce + ciphertext + tag) fills whole 16-byte blocks and the whole
  // iterator reaches AWS's minimum size.
  size_t overhead = sizeof(kHeader) + kNonceBytes + kTagBytes;
  while ((kNonceBytes + plain.size() + kTagBytes) % 16 != 0 ||
         overhead + plain.size() < kMinTotalBytes) {
    plain.push_back('\0');
  }

  unsigned char nonce[kNonceBytes];
  std::string cipher(plain.size(), '\0');
  unsigned char tag[kTagBytes];
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int written = 0;
  int finished = 0;
  // A nonce must never repeat under one key: without fresh randomness there is no iterator.
  if (RAND_bytes(nonce, sizeof(nonce)) != 1 || !ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()), &written,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), nullptr, &finished) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1) {
    ERR_clear_error();
    return Status(ErrorCode::kInternal, "cannot encrypt a shard iterator (OpenSSL failed)");
  }

  std::string raw(reinterpret_cast<const char*>(kHeader), sizeof(kHeader));
  raw.append(reinterpret_cast<const char*>(nonce), sizeof(nonce));
  raw.append(cipher);
  raw.append(reinterpret_cast<const char*>(tag), sizeof(tag));
  return Base64Encode(raw);
}

std::optional<IteratorPosition> IteratorCodec::Decode(std::string_view text) const {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  auto raw = Base64Decode(text);
  if (!raw || raw->size() < kMinTotalBytes ||
      raw->compare(
          0, 8, std::string_view(reinterpret_cast<const char*>(kHeader), sizeof(kHeader))) != 0) {
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  const unsigned char* nonce = bytes + sizeof(kHeader);
  size_t cipher_size = raw->size() - sizeof(kHeader) - kNonceBytes - kTagBytes;
  const unsigned char* cipher = nonce + kNonceBytes;
  std::string tag(raw->substr(raw->size() - kTagBytes));

  std::string plain(cipher_size, '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int written = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &written, cipher,
                        static_cast<int>(cipher_size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), nullptr, &written) != 1) {
    return std::nullopt;  // tampered, truncated or made with another key
  }

  Reader reader(plain);
  const uint64_t version = reader.Int(1);
  if (version != kPlainVersion && version != kPlainVersion1) return std::nullopt;
  const int length_bytes = version == kPlainVersion ? kTextLengthBytes : kTextLengthBytesV1;
  IteratorPosition position;
  position.issued_ms = static_cast<int64_t>(reader.Int(8));
  position.stream_created_ms = static_cast<int64_t>(reader.Int(8));
  position.shard_index = ShardIndex{static_cast<uint32_t>(reader.Int(4))};
  position.seq_index = reader.Int(8);
  position.stream_name = reader.Text(length_bytes);
  position.account = reader.Text(length_bytes);
  position.region = reader.Text(length_bytes);
  if (reader.failed()) return std::nullopt;
  return position;
}

Result<IteratorCodec::Key> LoadOrCreateIteratorKey(const std::filesystem::path& path) {
  IteratorCodec::Key key{};
  auto existing = ReadFileIfExists(path);
  if (!existing.ok()) return existing.status();
  if (*existing) {
    if ((*existing)->size() != key.size()) {
      return Status(ErrorCode::kInternal, "iterator secret " + path.string() + " holds " +
                                              std::to_string((*existing)->size()) + " bytes, not " +
                                              std::to_string(key.size()) +
                                              "; restore it from a backup");
    }
    std::copy((*existing)->begin(), (*existing)->end(), key.begin());
    return key;
  }
  SLUICE_RETURN_IF_ERROR(CreatePrivateDirectory(path.parent_path()));
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    ERR_clear_error();
    return Status(ErrorCode::kInternal, "no randomness for the iterator secret");
  }
  SLUICE_RETURN_IF_ERROR(WriteFileDurably(
      path, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), 0600,
      IfPresent::kFail));
  return key;
}

}  // namespace sluice::broker
