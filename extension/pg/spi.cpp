#include "pg/spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "storage/bufmgr.h"
}

#include <cstring>

#include "core/error.hpp"
#include "pg/boundary.hpp"

namespace megaforce::pg {

namespace {

// Kept plans are generic plans, made once for every call. The planner sizes
// a table by its current number of blocks when it plans, so a plan made while
// a table was empty (a worker that polls before the first enqueue) is a plan
// for an empty table: sequential scans and per-row subqueries whose cost
// grows with the table (issue 18: seconds per claim after a few thousand
// enqueues). ANALYZE and VACUUM invalidate plans, but a table can fill up
// long before autovacuum gets to it. So each execution compares the sizes of
// the tables the plan reads with their sizes when its plan was made, and
// makes the plan again when one has at least doubled or halved: a table that
// grows from empty to N blocks costs about log2(N) re-plans in all, and a
// plan always fits its tables within a factor of two. Reading a size is one
// lseek per table (the lock is the one the execution takes anyway).
bool size_changed_a_lot(BlockNumber planned, BlockNumber now) {
  BlockNumber small = planned < now ? planned : now, big = planned < now ? now : planned;
  return big >= 2 * small + 2;
}

// The size in blocks of relation `oid`; 0 for one without storage or gone.
// Call inside pg_call.
BlockNumber table_blocks(Oid oid) {
  Relation relation = try_relation_open(oid, AccessShareLock);
  if (relation == nullptr) return 0;
  BlockNumber blocks = RELKIND_HAS_STORAGE(relation->rd_rel->relkind) ? RelationGetNumberOfBlocks(relation) : 0;
  relation_close(relation, NoLock);  // the lock stays, as the execution's would
  return blocks;
}

// The current size of each table the plan's statement reads (at most
// kMaxTables, in the order of its dependency list); relations without
// storage count as 0. Call inside pg_call.
int current_sizes(SPIPlanPtr prepared_plan, Oid* oids, BlockNumber* blocks) {
  int count = 0;
  ListCell* source_cell;
  foreach (source_cell, SPI_plan_get_plan_sources(prepared_plan)) {
    auto* source = static_cast<CachedPlanSource*>(lfirst(source_cell));
    ListCell* oid_cell;
    foreach (oid_cell, source->relationOids) {
      if (count == KeptPlan::kMaxTables) return count;
      oids[count] = lfirst_oid(oid_cell);
      blocks[count] = table_blocks(oids[count]);
      ++count;
    }
  }
  return count;
}

// The generation of the plan's generic plan (it changes whenever the plan
// cache makes the plan again, after an invalidation too).
int plan_generation(SPIPlanPtr prepared_plan) {
  List* sources = SPI_plan_get_plan_sources(prepared_plan);
  return sources == NIL ? 0 : static_cast<CachedPlanSource*>(linitial(sources))->generation;
}

// The kept plan of `plan`, prepared on first use (call inside pg_call).
SPIPlanPtr prepared(KeptPlan& plan) {
  if (plan.plan == nullptr) {
    // Generic plans: every kept statement looks rows up by key, so a plan
    // made once serves every call; a custom plan per call would re-plan.
    SPIPlanPtr made = SPI_prepare_cursor(plan.sql, plan.nargs, plan.argtypes, CURSOR_OPT_GENERIC_PLAN);
    if (made == nullptr)
      elog(ERROR, "megaforce: SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), plan.sql);
    if (SPI_keepplan(made) != 0) elog(ERROR, "megaforce: SPI_keepplan failed");
    plan.plan = made;
    plan.planned_generation = -1;
  }
  return plan.plan;
}

// The plan to execute now: `plan`'s kept plan, made again when a table it
// reads changed size a lot since it was planned. `sizes` receives the current
// sizes, for planned() after the execution. Call inside pg_call.
struct Sizes {
  int count = 0;
  Oid oids[KeptPlan::kMaxTables];
  BlockNumber blocks[KeptPlan::kMaxTables];
};

SPIPlanPtr fitting_plan(KeptPlan& plan, Sizes& sizes) {
  prepared(plan);
  sizes.count = current_sizes(plan.plan, sizes.oids, sizes.blocks);
  if (plan.planned_generation < 0 || plan.planned_generation != plan_generation(plan.plan)) return plan.plan;
  for (int i = 0; i < sizes.count && i < plan.tables; ++i) {
    if (sizes.oids[i] == plan.table_oids[i] && !size_changed_a_lot(plan.table_blocks[i], sizes.blocks[i]))
      continue;
    elog(DEBUG1, "megaforce: planning again (%s: %u blocks, planned for %u): %s", get_rel_name(sizes.oids[i]),
         sizes.blocks[i], plan.table_blocks[i], plan.sql);
    // As an invalidation of the table would (PlanCacheRelCallback): the plan
    // cache makes the generic plan again on this execution. An execution of
    // the old plan still running further up the stack keeps its reference.
    ListCell* cell;
    foreach (cell, SPI_plan_get_plan_sources(plan.plan)) {
      auto* source = static_cast<CachedPlanSource*>(lfirst(cell));
      if (source->gplan != nullptr) source->gplan->is_valid = false;
    }
    break;
  }
  return plan.plan;
}

// After an execution: when the plan cache made the generic plan during it
// (first use, or after an invalidation), it was made for `sizes`.
void note_planned_sizes(KeptPlan& plan, const Sizes& sizes) {
  int generation = plan_generation(plan.plan);
  if (generation == plan.planned_generation) return;
  plan.planned_generation = generation;
  plan.tables = sizes.count;
  for (int i = 0; i < sizes.count; ++i) {
    plan.table_oids[i] = sizes.oids[i];
    plan.table_blocks[i] = sizes.blocks[i];
  }
}

// Runs `run` with the planner settings of `shape` (the plan cache may make
// the generic plan during any execution, after an invalidation too). Call
// inside pg_call.
template <typename Run>
auto with_shape(PlanShape shape, Run&& run) {
  int level = enter_plan_shape(shape);
  auto result = run();
  leave_plan_shape(level);
  return result;
}

}  // namespace

// jit off for every kept plan: a kept plan runs many times, and with the scan
// paths disabled a plan that still has to scan costs 1e10 and more, far above
// jit_above_cost, so every execution would JIT-compile its expressions
// (milliseconds each, for a statement that runs in microseconds).
int enter_plan_shape(PlanShape shape) {
  int nest_level = NewGUCNestLevel();
  set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
  if (shape == PlanShape::kAny) return nest_level;
  for (const char* setting : {"enable_seqscan", "enable_bitmapscan", "enable_sort"})
    set_config_option(setting, "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
  return nest_level;
}

void leave_plan_shape(int level) {
  if (level >= 0) AtEOXact_GUC(true, level);
}

uint64 execute(KeptPlan& plan, const Datum* values, const char* nulls, bool read_only, long limit) {
  return pg_call([&]() -> uint64 {
    Sizes sizes;
    SPIPlanPtr fitting = fitting_plan(plan, sizes);
    int rc = with_shape(plan.shape, [&] {
      return SPI_execute_plan(fitting, const_cast<Datum*>(values), nulls, read_only, limit);
    });
    if (rc < 0)
      elog(ERROR, "megaforce: SPI_execute_plan failed (%s) for: %s", SPI_result_code_string(rc),
           plan.sql);
    note_planned_sizes(plan, sizes);
    return SPI_processed;
  });
}

Portal open_cursor(KeptPlan& plan, const Datum* values, const char* nulls, bool read_only) {
  return pg_call([&] {
    Sizes sizes;
    SPIPlanPtr fitting = fitting_plan(plan, sizes);
    Portal portal = with_shape(plan.shape, [&] {
      return SPI_cursor_open(nullptr, fitting, const_cast<Datum*>(values), nulls, read_only);
    });
    note_planned_sizes(plan, sizes);
    return portal;
  });
}

void spi_connect() {
  pg_call([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "megaforce: SPI_connect failed");
  });
}

void spi_finish() {
  pg_call([] { SPI_finish(); });
}

Datum first_result_column() {
  return pg_call([] {
    bool is_null = false;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    return SPI_datumTransfer(value, false, -1);
  });
}

int column_number(TupleDesc desc, const char* name) {
  int number = SPI_fnumber(desc, name);
  if (number <= 0)
    throw Error(sqlstate::kInternalError, std::string("megaforce: no column \"") + name + "\"");
  return number;
}

Datum column(HeapTuple tuple, TupleDesc desc, const char* name, bool* is_null) {
  return heap_getattr(tuple, column_number(desc, name), desc, is_null);
}

std::string text_of(Datum value) {
  text* detoasted = pg_call([&] { return DatumGetTextPP(value); });
  return std::string(VARDATA_ANY(detoasted), VARSIZE_ANY_EXHDR(detoasted));
}

Datum text_datum(const std::string& value) {
  return pg_call([&] {
    return PointerGetDatum(cstring_to_text_with_len(value.data(), static_cast<int>(value.size())));
  });
}

Uuid uuid_of(Datum value) {
  Uuid out{};
  std::memcpy(out.data(), DatumGetUUIDP(value)->data, out.size());
  return out;
}

Datum uuid_datum(const Uuid& value) {
  auto* uuid = static_cast<pg_uuid_t*>(pg_call([] { return palloc(sizeof(pg_uuid_t)); }));
  std::memcpy(uuid->data, value.data(), value.size());
  return UUIDPGetDatum(uuid);
}

}  // namespace megaforce::pg
