// uuid_v7() (SPEC §4, release 1.2): time-ordered keys for every uuid primary
// key the extension generates. The layout and the per-backend monotonic
// counter are plain C++ (core/uuid_v7); this file adds the clock and the
// randomness (pg/strong_random). Lease tokens stay fully random: they authorize.
extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "utils/timestamp.h"
}

#include <array>
#include <cstdint>

#include "core/error.hpp"
#include "core/uuid_v7.hpp"
#include "pg/boundary.hpp"
#include "pg/spi.hpp"
#include "pg/strong_random.hpp"

namespace {

// One generator per backend: UUIDs strictly increase within a backend, also
// across transactions. Its members are plain integers (no destructor).
megaforce::UuidV7Generator g_generator;

std::uint64_t unix_ms_now() {
  TimestampTz now = GetCurrentTimestamp();  // microseconds since 2000-01-01
  constexpr int64 kUnixToPostgresUsec =
      static_cast<int64>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC;
  return static_cast<std::uint64_t>((now + kUnixToPostgresUsec) / 1000);
}

}  // namespace

// uuid_v7() returns uuid
MF_FUNCTION(megaforce_uuid_v7) {
  std::array<std::uint8_t, 10> random{};
  megaforce::pg::strong_random(random.data(), random.size());
  return megaforce::pg::uuid_datum(g_generator.next(unix_ms_now(), random));
}
