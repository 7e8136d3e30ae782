#include "core/tick_backoff.hpp"

#include <gtest/gtest.h>

namespace {

using megaforce::kMaxTickBackoffMs;
using megaforce::tick_wait_ms;

TEST(TickBackoff, AGoodTickWaitsTheInterval) {
  EXPECT_EQ(tick_wait_ms(1000, 0), 1000);
  EXPECT_EQ(tick_wait_ms(10, 0), 10);
  EXPECT_EQ(tick_wait_ms(3600 * 1000, 0), 3600 * 1000);
}

TEST(TickBackoff, FailuresDoubleTheWaitUpToAMinute) {
  EXPECT_EQ(tick_wait_ms(1000, 1), 2000);
  EXPECT_EQ(tick_wait_ms(1000, 2), 4000);
  EXPECT_EQ(tick_wait_ms(1000, 5), 32000);
  EXPECT_EQ(tick_wait_ms(1000, 6), kMaxTickBackoffMs);
  EXPECT_EQ(tick_wait_ms(1000, 1000), kMaxTickBackoffMs);
  EXPECT_EQ(tick_wait_ms(10, 13), 40960);  // doublings stop at 12
}

// The defect of issue 17: with a tick interval above a minute, min(60 s, ...)
// made the wait after a failure shorter than a normal tick.
TEST(TickBackoff, NeverShorterThanTheTick) {
  for (std::int64_t interval : {10, 999, 30000, 60000, 61000, 300000, 3600 * 1000}) {
    for (int failures : {0, 1, 2, 3, 12, 13, 100}) {
      std::int64_t wait = tick_wait_ms(interval, failures);
      EXPECT_GE(wait, interval) << interval << " ms, " << failures << " failures";
      EXPECT_LE(wait, std::max(interval, kMaxTickBackoffMs)) << interval << " ms, " << failures << " failures";
    }
  }
  EXPECT_EQ(tick_wait_ms(300000, 1), 300000);
  EXPECT_EQ(tick_wait_ms(3600 * 1000, 12), 3600 * 1000);
}

}  // namespace
