// Random bytes for lease tokens and uuid_v7(): one core RandomStream per
// backend, seeded from pg_strong_random() the first time a process draws
// (a forked process never continues its parent's stream).
#pragma once

#include <cstddef>
#include <cstdint>

namespace megaforce::pg {

// Writes `size` random bytes to `out`; throws megaforce::Error when the
// operating system gives no randomness to seed from.
void strong_random(std::uint8_t* out, std::size_t size);

}  // namespace megaforce::pg
