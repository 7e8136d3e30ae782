#include <gtest/gtest.h>

#include "core/uuid.hpp"

using megaforce::parse_uuid;

TEST(Uuid, RoundTrips) {
  auto u = parse_uuid("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11");
  ASSERT_TRUE(u);
  EXPECT_EQ(megaforce::to_string(*u), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(parse_uuid("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"), u);
  EXPECT_EQ(parse_uuid("a0eebc999c0b4ef8bb6d6bb9bd380a11"), u);
}

TEST(Uuid, RefusesMalformed) {
  for (const char* bad : {"", "x", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g",
                          "a0eebc99_9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 "})
    EXPECT_FALSE(parse_uuid(bad)) << bad;
}
