#include "protocol/cbor_reader.h"

#include <bit>
#include <cmath>
#include <limits>

namespace sluice::protocol {
namespace {

std::string At(size_t position) { return " at byte " + std::to_string(position); }

}  // namespace

Status CborError(std::string message) {
  return Status(ErrorCode::kSerialization, std::move(message));
}

double CborFloatValue(const CborHead& head) {
  switch (head.info) {
    case kCborHalf: {
      // RFC 8949, appendix D.
      const auto half = static_cast<uint16_t>(head.argument);
      const int exponent = (half >> 10) & 0x1f;
      const int mantissa = half & 0x3ff;
      double value;
      if (exponent == 0) {
        value = std::ldexp(mantissa, -24);
      } else if (exponent != 31) {
        value = std::ldexp(mantissa + 1024, exponent - 25);
      } else {
        value = mantissa == 0 ? std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::quiet_NaN();
      }
      return (half & 0x8000) != 0 ? -value : value;
    }
    case kCborSingle:
      return std::bit_cast<float>(static_cast<uint32_t>(head.argument));
    case kCborDouble:
      return std::bit_cast<double>(head.argument);
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

Result<CborHead> CborReader::ReadHead() {
  if (AtEnd()) return CborError("Unexpected end of CBOR input" + At(position_));
  const size_t start = position_;
  const auto initial = static_cast<uint8_t>(data_[position_++]);
  CborHead head;
  head.major = static_cast<CborMajor>(initial >> 5);
  head.info = initial & 0x1f;
  if (head.info < 24) {
    head.argument = head.info;
  } else if (head.info <= 27) {
    const size_t size = size_t{1} << (head.info - 24);
    if (data_.size() - position_ < size) {
      return CborError("Unexpected end of CBOR input" + At(position_));
    }
    for (size_t i = 0; i < size; ++i) {
      head.argument = (head.argument << 8) | static_cast<uint8_t>(data_[position_++]);
    }
    // A one-byte simple value below 32 is not well-formed (RFC 8949, section 3.3).
    if (head.major == CborMajor::kSimple && head.info == 24 && head.argument < 32) {
      return CborError("Invalid CBOR simple value " + std::to_string(head.argument) + At(start));
    }
  } else if (head.info <= 30) {
    return CborError("Reserved CBOR additional information " + std::to_string(head.info) +
                     At(start));
  } else {
    switch (head.major) {
      case CborMajor::kUnsigned:
      case CborMajor::kNegative:
      case CborMajor::kTag:
        return CborError("Indefinite length is not allowed for CBOR major type " +
                         std::to_string(static_cast<int>(head.major)) + At(start));
      case CborMajor::kBytes:
      case CborMajor::kText:
      case CborMajor::kArray:
      case CborMajor::kMap:
        head.indefinite = true;
        break;
      case CborMajor::kSimple:
        break;  // the break code; its reader decides whether it is in place
    }
  }
  return head;
}

bool CborReader::AtBreak() const {
  return !AtEnd() && static_cast<uint8_t>(data_[position_]) == 0xff;
}

Result<std::string_view> CborReader::Take(uint64_t length) {
  const size_t left = data_.size() - position_;
  if (length > left) {
    return CborError("CBOR length " + std::to_string(length) + " exceeds the " +
                     std::to_string(left) + " bytes left" + At(position_));
  }
  std::string_view bytes = data_.substr(position_, static_cast<size_t>(length));
  position_ += static_cast<size_t>(length);
  return bytes;
}

template <typename Append>
Status CborReader::ReadString(const CborHead& head, Append append) {
  if (!head.indefinite) {
    auto bytes = Take(head.argument);
    if (!bytes.ok()) return bytes.status();
    append(*bytes);
    return Status::Ok();
  }
  // Chunks are definite strings of the string's own major type, up to a break (section 3.2.3).
  while (true) {
    const size_t start = position_;
    auto chunk = ReadHead();
    if (!chunk.ok()) return chunk.status();
    if (chunk->IsBreak()) return Status::Ok();
    if (chunk->major != head.major || chunk->indefinite) {
      return CborError(
          "Chunk of an indefinite-length CBOR string is not a definite string of "
          "the same type" +
          At(start));
    }
    auto bytes = Take(chunk->argument);
    if (!bytes.ok()) return bytes.status();
    append(*bytes);
  }
}

Status CborReader::ReadText(const CborHead& head, std::string& out) {
  return ReadString(head, [&out](std::string_view bytes) { out.append(bytes); });
}

Status CborReader::ReadBytes(const CborHead& head, std::vector<uint8_t>& out) {
  return ReadString(
      head, [&out](std::string_view bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); });
}

Status CborReader::SkipRest(const CborHead& head, int depth) {
  if (depth > kCborMaxDepth) {
    return CborError("CBOR nesting deeper than " + std::to_string(kCborMaxDepth) + " levels" +
                     At(position_));
  }
  switch (head.major) {
    case CborMajor::kUnsigned:
    case CborMajor::kNegative:
      return Status::Ok();
    case CborMajor::kBytes:
    case CborMajor::kText:
      // Checked and passed over without being copied.
      return ReadString(head, [](std::string_view) {});
    case CborMajor::kArray:
      if (head.indefinite) {
        while (!AtBreak()) SLUICE_RETURN_IF_ERROR(Skip(depth + 1));
        ++position_;  // the break
        return Status::Ok();
      }
      // Every item takes at least a byte: a count past the input cannot be real.
      if (head.argument > data_.size() - position_) {
        return CborError("CBOR array of " + std::to_string(head.argument) +
                         " items exceeds the input" + At(position_));
      }
      for (uint64_t i = 0; i < head.argument; ++i) SLUICE_RETURN_IF_ERROR(Skip(depth + 1));
      return Status::Ok();
    case CborMajor::kMap:
      if (head.indefinite) {
        while (!AtBreak()) {
          SLUICE_RETURN_IF_ERROR(Skip(depth + 1));
          if (AtBreak())
            return CborError("CBOR map ends between a key and its value" + At(position_));
          SLUICE_RETURN_IF_ERROR(Skip(depth + 1));
        }
        ++position_;
        return Status::Ok();
      }
      if (head.argument > (data_.size() - position_) / 2) {
        return CborError("CBOR map of " + std::to_string(head.argument) +
                         " pairs exceeds the input" + At(position_));
      }
      for (uint64_t i = 0; i < head.argument; ++i) {
        SLUICE_RETURN_IF_ERROR(Skip(depth + 1));
        SLUICE_RETURN_IF_ERROR(Skip(depth + 1));
      }
      return Status::Ok();
    case CborMajor::kTag:
      return Skip(depth + 1);
    case CborMajor::kSimple:
      if (head.IsBreak()) {
        return CborError("CBOR break code outside an indefinite-length item" + At(position_ - 1));
      }
      return Status::Ok();
  }
  return Status::Ok();
}

Status CborReader::Skip(int depth) {
  auto head = ReadHead();
  if (!head.ok()) return head.status();
  return SkipRest(*head, depth);
}

}  // namespace sluice::protocol
