// Hot standby (SPEC §9): the write functions refuse there with SQLSTATE
// 25006 and a message that says why, before they touch anything; everything
// read-only keeps working.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/xlog.h"
}

#include <string>

#include "core/error.hpp"
#include "pg/boundary.hpp"

namespace megaforce::pg {

inline void require_primary(const char* function) {
  if (RecoveryInProgress())
    throw Error(sqlstate::kReadOnlySqlTransaction,
                std::string("megaforce.") + function + "() cannot run on a hot standby: the server is in recovery (read-only)",
                {}, "Call it on the primary.");
}

}  // namespace megaforce::pg

// An SQL-callable write function: MF_FUNCTION that first refuses on a standby.
//   MF_WRITE_FUNCTION(megaforce_enqueue_run, "enqueue_run") { ... }
#define MF_WRITE_FUNCTION(name, sql_name)                         \
  static Datum name##_write(FunctionCallInfo fcinfo);             \
  MF_FUNCTION(name) {                                             \
    ::megaforce::pg::require_primary(sql_name);                   \
    return name##_write(fcinfo);                                  \
  }                                                               \
  static Datum name##_write(FunctionCallInfo fcinfo)
