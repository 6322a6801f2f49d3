#pragma once

#include <compare>

namespace sluice {

// A value of type T that does not mix with other values of T: it is made from a T only
// explicitly, gives its T back only through value(), and compares only with its own kind. Two
// strong types over the same T (a shard index and a count, say) are distinct types, told apart
// by `Tag`, which is never defined:
//
//   using ShardIndex = Strong<struct ShardIndexTag, uint32_t>;
//
// It carries no arithmetic: code that computes with the number does so on value(), in the one
// place that owns the computation. Default construction gives T{} (zero for numbers).
template <class Tag, class T>
class Strong {
 public:
  using ValueType = T;

  constexpr Strong() = default;
  explicit constexpr Strong(T value) : value_(value) {}

  constexpr T value() const { return value_; }

  friend constexpr bool operator==(const Strong&, const Strong&) = default;
  friend constexpr auto operator<=>(const Strong&, const Strong&) = default;

  // Prints the value wherever a stream can print a T (GoogleTest's messages, for one).
  template <class Stream>
  requires requires(Stream& out, const T& value) { out << value; }
  friend Stream& operator<<(Stream& out, const Strong& strong) {
    out << strong.value_;
    return out;
  }

 private:
  T value_{};
};

}  // namespace sluice
