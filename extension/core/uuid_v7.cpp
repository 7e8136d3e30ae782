#include "core/uuid_v7.hpp"

namespace megaforce {

namespace {
constexpr std::uint64_t kMaxMs = (std::uint64_t{1} << 48) - 1;
constexpr std::uint16_t kMaxA = (1u << 12) - 1;
constexpr std::uint64_t kMaxB = (std::uint64_t{1} << 62) - 1;
}  // namespace

Uuid UuidV7Generator::next(std::uint64_t unix_ms, const std::array<std::uint8_t, 10>& random) {
  unix_ms &= kMaxMs;
  if (!started_ || unix_ms > last_ms_) {
    last_ms_ = unix_ms;
    last_a_ = static_cast<std::uint16_t>((random[0] << 8 | random[1]) & kMaxA);
    std::uint64_t b = 0;
    for (int i = 2; i < 10; ++i) b = b << 8 | random[i];
    last_b_ = b & kMaxB;
    started_ = true;
  } else if (last_b_ < kMaxB) {
    ++last_b_;
  } else if (last_a_ < kMaxA) {
    ++last_a_;
    last_b_ = 0;
  } else {
    // 2^74 UUIDs in one millisecond: borrow the next one (never wraps back).
    last_ms_ = last_ms_ < kMaxMs ? last_ms_ + 1 : last_ms_;
    last_a_ = 0;
    last_b_ = 0;
  }
  Uuid out{};
  for (int i = 0; i < 6; ++i) out[i] = static_cast<std::uint8_t>(last_ms_ >> (40 - 8 * i));
  out[6] = static_cast<std::uint8_t>(0x70 | (last_a_ >> 8));  // version 7
  out[7] = static_cast<std::uint8_t>(last_a_ & 0xff);
  out[8] = static_cast<std::uint8_t>(0x80 | ((last_b_ >> 56) & 0x3f));  // RFC variant 10
  for (int i = 9; i < 16; ++i) out[i] = static_cast<std::uint8_t>(last_b_ >> (8 * (15 - i)));
  return out;
}

std::uint64_t uuid_v7_unix_ms(const Uuid& uuid) {
  std::uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | uuid[i];
  return ms;
}

}  // namespace megaforce
