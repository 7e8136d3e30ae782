// The advisory lock key (one bigint) that serializes schema migrations:
// `megaforce upgrade` / `downgrade` (client/migration.cpp) hold it
// exclusively for their transaction, and the scheduler (pg/scheduler.cpp)
// skips a tick when it cannot take it shared. The one definition of the key.
#pragma once

#include <cstdint>

namespace megaforce {

inline constexpr std::int64_t kMigrationLockKey = 7882963617064755299;

}  // namespace megaforce
