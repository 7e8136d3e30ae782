// UUIDs as 16 bytes, parsed and printed without PostgreSQL (so a bad
// megaforce.actor_id can be refused with the workflow's SQLSTATE, not uuid_in's).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace megaforce {

using Uuid = std::array<std::uint8_t, 16>;

// Accepts what PostgreSQL's uuid input accepts in practice: 32 hex digits,
// optionally hyphenated as 8-4-4-4-12 and optionally in braces, any case.
std::optional<Uuid> parse_uuid(std::string_view text);

// Canonical lowercase 8-4-4-4-12 form.
std::string to_string(const Uuid& uuid);

}  // namespace megaforce
