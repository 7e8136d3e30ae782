#include "pg/strong_random.hpp"

extern "C" {
#include "postgres.h"
#include "miscadmin.h"
#include "port.h"
}

#include <sodium.h>

#include "core/error.hpp"
#include "core/random_stream.hpp"

namespace megaforce::pg {

namespace {

RandomStream g_stream;
int g_seeded_in_pid = 0;  // MyProcPid when g_stream was seeded

}  // namespace

void strong_random(std::uint8_t* out, std::size_t size) {
  if (g_seeded_in_pid != MyProcPid) {
    std::array<std::uint8_t, RandomStream::kSeedBytes> seed{};
    // sodium_init picks the fastest ChaCha20 for this CPU; idempotent.
    if (sodium_init() < 0 || !pg_strong_random(seed.data(), seed.size()))
      throw Error(sqlstate::kInternalError, "could not seed the random stream from the operating system");
    g_stream.reseed(seed);
    sodium_memzero(seed.data(), seed.size());
    g_seeded_in_pid = MyProcPid;
  }
  g_stream.fill(out, size);
}

}  // namespace megaforce::pg
