#include "core/random_stream.hpp"

#include <sodium.h>

#include <algorithm>

namespace megaforce {

void RandomStream::reseed(const std::array<std::uint8_t, kSeedBytes>& seed) {
  key_ = seed;
  sodium_memzero(block_.data(), block_.size());
  next_ = kBlockBytes;
  seeded_ = true;
}

void RandomStream::refill() {
  // The key changes with every block, so one nonce serves every block.
  static const std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> kNonce{};
  crypto_stream_chacha20(block_.data(), block_.size(), kNonce.data(), key_.data());
  std::copy_n(block_.begin(), kSeedBytes, key_.begin());
  sodium_memzero(block_.data(), kSeedBytes);
  next_ = kSeedBytes;
}

void RandomStream::fill(std::uint8_t* out, std::size_t size) {
  while (size > 0) {
    if (next_ == kBlockBytes) refill();
    std::size_t take = std::min(size, kBlockBytes - next_);
    std::copy_n(block_.begin() + static_cast<std::ptrdiff_t>(next_), take, out);
    sodium_memzero(block_.data() + next_, take);  // handed out: gone from the state
    next_ += take;
    out += take;
    size -= take;
  }
}

RandomStream::~RandomStream() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(block_.data(), block_.size());
}

}  // namespace megaforce
