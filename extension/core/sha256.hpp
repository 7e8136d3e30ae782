// SHA-256 (libsodium's implementation) for content fingerprints and, from
// version 1.1, the approval-history hash chain.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace megaforce {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);

// Lowercase hexadecimal, 64 characters.
std::string to_hex(const Sha256Digest& digest);

}  // namespace megaforce
