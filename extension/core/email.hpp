// Email address validation (SPEC §5): plain C++, no PostgreSQL headers.
#pragma once

#include <string>
#include <string_view>

namespace megaforce::email {

inline constexpr std::size_t kMaxLength = 254;

// Leading and trailing white space removed (ASCII space, tab, CR, LF, FF, VT).
std::string_view trim(std::string_view text);

// Why `address` (already trimmed) is not acceptable, or an empty string when
// it is: at most 254 characters, exactly one '@', a non-empty local part, a
// domain with a dot that neither starts nor ends it, and no white space or
// control characters anywhere.
std::string problem(std::string_view address);

inline bool is_valid(std::string_view address) { return problem(address).empty(); }

}  // namespace megaforce::email
