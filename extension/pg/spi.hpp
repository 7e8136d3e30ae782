// SPI with plans prepared once per backend and kept (SPI_keepplan), and
// conversions between PostgreSQL values and the plain C++ core's types.
// Every helper that may ereport goes through pg_call(), so C++ callers holding
// live objects may use them freely.
#pragma once

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
#include "storage/block.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include <optional>
#include <string>

#include "core/uuid.hpp"

namespace megaforce::pg {

// A statement prepared on first use, as a generic plan, and kept for the
// backend's lifetime, except that it is made again when a table it reads has
// changed size a lot since its plan was made (see spi.cpp: a plan made for an
// empty table would otherwise be kept while the table fills up).
// kIndexPaths: a statement that scans (the claim, the sweeps) is planned with
// sequential scans, bitmap scans and sorts disabled, so it walks its index in
// order whatever the statistics say: its cost is then bounded by the index
// entries it reads, never by the table.
enum class PlanShape { kAny, kIndexPaths };

struct KeptPlan {
  static constexpr int kMaxTables = 4;  // tables watched for a change of size
  const char* sql;
  int nargs;
  Oid argtypes[8];
  PlanShape shape = PlanShape::kAny;
  SPIPlanPtr plan = nullptr;
  // The tables the plan reads and their sizes in blocks when its current
  // generic plan was made (planned_generation: CachedPlanSource.generation).
  int planned_generation = -1;
  // When the sizes were last compared (the start of that transaction), and
  // executions since.
  TimestampTz sizes_checked_at = 0;
  int executions_unchecked = 0;
  int tables = 0;
  Oid table_oids[kMaxTables] = {};
  BlockNumber table_blocks[kMaxTables] = {};
};

// The planner settings of `shape` for the statements planned until
// leave_plan_shape(the level returned); restored as a function's SET clause
// restores them, and by the (sub)transaction's abort on an error in between.
// Call both inside pg_call.
int enter_plan_shape(PlanShape shape);
void leave_plan_shape(int level);

// Runs `plan` (must be inside SPI_connect); ereports on failure, through pg_call.
// Returns SPI_processed.
uint64 execute(KeptPlan& plan, const Datum* values, const char* nulls, bool read_only,
               long limit = 0);

// A read cursor over `plan` (must be inside SPI_connect), for results too big
// to fetch at once; through pg_call.
Portal open_cursor(KeptPlan& plan, const Datum* values, const char* nulls, bool read_only);

// SPI_connect / SPI_finish through pg_call. An error in between leaves the
// connection to the transaction's (or subtransaction's) abort cleanup.
void spi_connect();
void spi_finish();

template <typename Body>
auto with_spi(Body&& body) {
  spi_connect();
  auto result = body();
  spi_finish();
  return result;
}

// Runs one item of a batch in a nested SPI connection, so what the item
// leaves in SPI's memory (a result table of 8 kB and more for each statement
// that returns rows) is freed when the item ends. Without it a call over N
// items holds all of them until it returns: 64 MB at the peak of
// enqueue_due_runs over 4000 sources. A value the item returns through
// first_result_column() lands in the caller's memory.
template <typename Body>
void with_item_spi(Body&& body) {
  spi_connect();
  body();
  spi_finish();
}

// The first column of the first row of the last SPI result, copied out of
// SPI's memory into the caller's (for a function's return value).
Datum first_result_column();

// Column `name` of `tuple`, by name (an internal error when it does not exist).
Datum column(HeapTuple tuple, TupleDesc desc, const char* name, bool* is_null);
int column_number(TupleDesc desc, const char* name);

// Text <-> std::string (detoasting goes through pg_call).
std::string text_of(Datum value);
Datum text_datum(const std::string& value);  // palloc'd in the current context

Uuid uuid_of(Datum value);
Datum uuid_datum(const Uuid& value);  // palloc'd in the current context

}  // namespace megaforce::pg
