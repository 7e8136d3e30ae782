// Password hashing for users (SPEC §5): argon2id through libsodium, with at
// least libsodium's interactive limits (t = 2, 64 MiB).
#pragma once

#include <string>
#include <string_view>

namespace megaforce::password {

inline constexpr std::size_t kMinLength = 8;  // characters (UTF-8 code points)
inline constexpr std::size_t kMaxBytes = 1024;  // longer is a mistake or an attack, not a password

// Throws 22023 when the password is too short or too long.
void check_acceptable(std::string_view password);

// An argon2id PHC string ("$argon2id$v=19$m=65536,t=2,p=1$...").
std::string hash(std::string_view password);

// Whether `password` matches the PHC string (false for a malformed string).
bool verify(const std::string& phc, std::string_view password);

// Whether `phc` was made with weaker parameters than hash() uses now.
bool needs_rehash(const std::string& phc);

// A PHC string of the same parameters that no password is known to match:
// verifying against it costs what a real verification costs, so an unknown
// email takes as long as a wrong password.
const std::string& dummy_hash();

}  // namespace megaforce::password
