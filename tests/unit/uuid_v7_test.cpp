#include <gtest/gtest.h>

#include "core/uuid_v7.hpp"

namespace megaforce {
namespace {

std::array<std::uint8_t, 10> bytes(std::uint8_t fill) {
  std::array<std::uint8_t, 10> out{};
  out.fill(fill);
  return out;
}

TEST(UuidV7, LaysOutTimeVersionAndVariant) {
  UuidV7Generator gen;
  Uuid id = gen.next(0x0123456789ab, bytes(0xff));
  EXPECT_EQ(to_string(id), "01234567-89ab-7fff-bfff-ffffffffffff");
  EXPECT_EQ(uuid_v7_unix_ms(id), 0x0123456789abu);
}

TEST(UuidV7, StrictlyIncreasesWithinOneMillisecond) {
  UuidV7Generator gen;
  Uuid previous = gen.next(1000, bytes(0x00));
  for (int i = 0; i < 1000; ++i) {
    Uuid id = gen.next(1000, bytes(static_cast<std::uint8_t>(i * 37)));
    EXPECT_LT(previous, id);  // byte-wise, as PostgreSQL compares uuids
    EXPECT_EQ(uuid_v7_unix_ms(id), 1000u);
    previous = id;
  }
}

TEST(UuidV7, StrictlyIncreasesWhenTheClockStepsBack) {
  UuidV7Generator gen;
  Uuid first = gen.next(5000, bytes(0x42));
  Uuid second = gen.next(4000, bytes(0x00));
  EXPECT_LT(first, second);
  EXPECT_EQ(uuid_v7_unix_ms(second), 5000u);
}

TEST(UuidV7, CarriesIntoRandAThenIntoTheNextMillisecond) {
  UuidV7Generator gen;
  std::array<std::uint8_t, 10> near_max = bytes(0xff);
  near_max[0] = 0x0f;  // rand_a = 0xfff, rand_b = all ones: the last value
  Uuid last = gen.next(7, near_max);
  Uuid borrowed = gen.next(7, bytes(0));
  EXPECT_LT(last, borrowed);
  EXPECT_EQ(uuid_v7_unix_ms(borrowed), 8u);
  EXPECT_EQ(borrowed[6] & 0xf0, 0x70);
  EXPECT_EQ(borrowed[8] & 0xc0, 0x80);
}

TEST(UuidV7, NewMillisecondTakesFreshRandomBits) {
  UuidV7Generator gen;
  Uuid a = gen.next(10, bytes(0x11));
  Uuid b = gen.next(11, bytes(0x22));
  EXPECT_LT(a, b);
  EXPECT_EQ(b[15], 0x22);
  EXPECT_EQ(b[7], 0x22);
}

}  // namespace
}  // namespace megaforce
