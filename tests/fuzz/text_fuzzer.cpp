// libFuzzer target for the other parsers of untrusted text: e-mail
// addresses, uuids, the megaforce.databases list. Each must accept or
// refuse (with 22023) without crashing, and what they accept must be
// consistent (a parsed uuid prints back and parses to the same bytes).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/database_list.hpp"
#include "core/email.hpp"
#include "core/error.hpp"
#include "core/uuid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)megaforce::email::is_valid(text);
  if (auto uuid = megaforce::parse_uuid(text)) {
    auto again = megaforce::parse_uuid(megaforce::to_string(*uuid));
    if (!again || *again != *uuid) __builtin_trap();
  }
  try {
    for (const std::string& name : megaforce::parse_database_list(std::string(text)))
      if (name.empty() || name.size() > 63) __builtin_trap();
  } catch (const megaforce::Error& e) {
    if (std::strcmp(e.sqlstate(), "22023") != 0) __builtin_trap();
  }
  return 0;
}
