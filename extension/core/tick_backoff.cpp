#include "core/tick_backoff.hpp"

#include <algorithm>

namespace megaforce {

std::int64_t tick_wait_ms(std::int64_t interval_ms, int failures) {
  if (failures <= 0) return interval_ms;
  // 12 doublings pass a minute from any interval of at least 15 ms; the
  // shift never overflows (an interval is at most an hour).
  std::int64_t backoff = std::min(kMaxTickBackoffMs, interval_ms << std::min(failures, 12));
  return std::max(interval_ms, backoff);
}

}  // namespace megaforce
