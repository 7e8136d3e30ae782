// How long the scheduler waits before its next tick (pg/scheduler.cpp): the
// tick interval, or after failed ticks a back-off that doubles per failure up
// to a minute, but is never shorter than the tick interval itself.
#pragma once

#include <cstdint>

namespace megaforce {

inline constexpr std::int64_t kMaxTickBackoffMs = 60 * 1000;

// The wait in milliseconds after `failures` failed ticks in a row (0: the
// last tick went well) with a tick interval of `interval_ms` (> 0).
std::int64_t tick_wait_ms(std::int64_t interval_ms, int failures);

}  // namespace megaforce
