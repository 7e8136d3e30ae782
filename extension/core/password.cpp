#include "core/password.hpp"

#include <sodium.h>

#include <new>

#include "core/error.hpp"

namespace megaforce::password {

namespace {

constexpr unsigned long long kOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;  // t = 2
constexpr std::size_t kMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;        // 64 MiB
static_assert(kOpsLimit >= 2, "argon2id passes must be at least 2");
static_assert(kMemLimit >= 64u * 1024 * 1024, "argon2id memory must be at least 64 MiB");

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw Error(sqlstate::kInternalError, "libsodium failed to initialize");
}

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++count;  // not a UTF-8 continuation byte
  return count;
}

}  // namespace

void check_acceptable(std::string_view password) {
  if (password.size() > kMaxBytes)
    throw invalid_parameter("password is too long: at most " + std::to_string(kMaxBytes) + " bytes");
  if (code_points(password) < kMinLength)
    throw invalid_parameter("password is too short: at least " + std::to_string(kMinLength) +
                            " characters are required");
}

std::string hash(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::bad_alloc();  // libsodium fails only when it cannot get its memory
  return out;
}

bool verify(const std::string& phc, std::string_view password) {
  ensure_sodium();
  if (phc.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(phc.c_str(), password.data(), password.size()) == 0;
}

bool needs_rehash(const std::string& phc) {
  ensure_sodium();
  return crypto_pwhash_str_needs_rehash(phc.c_str(), kOpsLimit, kMemLimit) != 0;
}

const std::string& dummy_hash() {
  static const std::string kDummy =
      "$argon2id$v=19$m=65536,t=2,p=1$frPuLTOlJcihpFjWkucZfA$"
      "ASECE4MzwP0FO6dUT66Den7n4iyTWcpF2gE9fqRiQaQ";
  return kDummy;
}

}  // namespace megaforce::password
