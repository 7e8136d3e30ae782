// The one exception type the plain C++ core throws. It carries a PostgreSQL
// SQLSTATE as five characters, so the core never needs PostgreSQL headers and
// the boundary in extension/pg/boundary.hpp can report it unchanged.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace megaforce {

// The SQLSTATEs of SPEC §6, spelled as PostgreSQL spells them.
namespace sqlstate {
inline constexpr const char* kObjectNotInPrerequisiteState = "55000";
inline constexpr const char* kInsufficientPrivilege = "42501";
inline constexpr const char* kInvalidParameterValue = "22023";
inline constexpr const char* kNoDataFound = "P0002";
inline constexpr const char* kSerializationFailure = "40001";
inline constexpr const char* kForeignKeyViolation = "23503";
inline constexpr const char* kUniqueViolation = "23505";
inline constexpr const char* kReadOnlySqlTransaction = "25006";
inline constexpr const char* kInternalError = "XX000";
}  // namespace sqlstate

class Error : public std::runtime_error {
 public:
  Error(const char* state, std::string message, std::string detail = {},
        std::string hint = {})
      : std::runtime_error(std::move(message)),
        state_(state),
        detail_(std::move(detail)),
        hint_(std::move(hint)) {}

  const char* sqlstate() const noexcept { return state_; }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  const char* state_;  // always one of the string literals above (static storage)
  std::string detail_;
  std::string hint_;
};

// Shorthand for the most common refusal: a bad argument.
inline Error invalid_parameter(std::string message, std::string detail = {}) {
  return Error(sqlstate::kInvalidParameterValue, std::move(message), std::move(detail));
}

}  // namespace megaforce
