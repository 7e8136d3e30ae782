// Reading SQL function arguments for the C++ entry points: a null where a
// value is required is a bad argument (22023) naming the parameter.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/uuid.hpp"
#include "pg/spi.hpp"

namespace megaforce::pg {

inline Uuid required_uuid_arg(FunctionCallInfo fcinfo, int n, const char* name) {
  if (PG_ARGISNULL(n)) throw invalid_parameter(std::string(name) + " must not be null");
  return uuid_of(PG_GETARG_DATUM(n));
}

inline std::string required_text_arg(FunctionCallInfo fcinfo, int n, const char* name) {
  if (PG_ARGISNULL(n)) throw invalid_parameter(std::string(name) + " must not be null");
  return text_of(PG_GETARG_DATUM(n));
}

// nullopt for a null argument, or one the call did not pass.
inline std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n) {
  if (PG_NARGS() <= n || PG_ARGISNULL(n)) return std::nullopt;
  return text_of(PG_GETARG_DATUM(n));
}

}  // namespace megaforce::pg
