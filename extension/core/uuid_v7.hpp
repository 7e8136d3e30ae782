// RFC 9562 version 7 UUIDs, without PostgreSQL: 48 bits of Unix time in
// milliseconds, the version and variant bits, and 74 bits that are random
// for the first UUID of a millisecond. Later UUIDs of the same backend in the
// same (or an earlier, if the clock stepped back) millisecond add one to the
// previous UUID's 74 bits (RFC 9562 §6.2, method 2: a monotonic random), so a
// backend's UUIDs strictly increase; when those bits overflow, the time field
// moves one millisecond ahead.
#pragma once

#include <array>
#include <cstdint>

#include "core/uuid.hpp"

namespace megaforce {

class UuidV7Generator {
 public:
  // The next UUID at `unix_ms`, with `random` as the 74 low bits when this
  // UUID opens a new millisecond (only its first 10 bytes are read).
  Uuid next(std::uint64_t unix_ms, const std::array<std::uint8_t, 10>& random);

 private:
  std::uint64_t last_ms_ = 0;
  std::uint16_t last_a_ = 0;   // 12 bits (rand_a)
  std::uint64_t last_b_ = 0;   // 62 bits (rand_b)
  bool started_ = false;
};

// The Unix time in milliseconds of a version 7 UUID.
std::uint64_t uuid_v7_unix_ms(const Uuid& uuid);

}  // namespace megaforce
