#include "sluice/common/strong_type.h"

#include <cstdint>
#include <map>
#include <sstream>
#include <type_traits>

#include <gtest/gtest.h>

namespace sluice {
namespace {

using Apples = Strong<struct ApplesTag, uint32_t>;
using Pears = Strong<struct PearsTag, uint32_t>;

// What the type exists for: no silent way in from or out to a plain number, or across kinds.
static_assert(!std::is_convertible_v<uint32_t, Apples>);
static_assert(!std::is_convertible_v<Apples, uint32_t>);
static_assert(!std::is_convertible_v<Apples, Pears>);
static_assert(!std::is_constructible_v<Apples, Pears>);
static_assert(!std::equality_comparable_with<Apples, uint32_t>);
static_assert(!std::equality_comparable_with<Apples, Pears>);
static_assert(std::is_trivially_copyable_v<Apples> && sizeof(Apples) == sizeof(uint32_t));

TEST(StrongTypeTest, ComparesAndOrdersByValue) {
  EXPECT_EQ(Apples{3}, Apples{3});
  EXPECT_NE(Apples{3}, Apples{4});
  EXPECT_LT(Apples{3}, Apples{4});
  EXPECT_EQ(Apples{}.value(), 0u);
  std::map<Apples, int> by_apples{{Apples{2}, 1}, {Apples{1}, 2}};
  EXPECT_EQ(by_apples.begin()->first, Apples{1});
}

TEST(StrongTypeTest, PrintsItsValue) {
  std::ostringstream out;
  out << Apples{42};
  EXPECT_EQ(out.str(), "42");
}

}  // namespace
}  // namespace sluice
