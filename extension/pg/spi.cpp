#include "pg/spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
}

#include <cstdint>
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
// lseek per table (the lock is the one the execution takes anyway). On the
// hot path the lseeks and relation opens of every call cost 3 % of a
// claim+complete cycle, so a plan reads them only in a transaction that
// started kSizeCheckIntervalUsec or more after its last reading, or after
// kSizeCheckExecutions executions without one (a batch call in one
// transaction, or calls in transactions less than that apart). A plan
// can thus be stale for that long after a table changed size, which costs
// the key lookups nothing, and the scanning statements walk their index
// whatever their plan was made for (PlanShape::kIndexPaths). The clock is
// the transaction's start, which costs no system call.
constexpr int64 kSizeCheckIntervalUsec = 10 * 1000;
constexpr int kSizeCheckExecutions = 100;

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

// Whether executing `prepared_plan` now runs the generic plan it has, as
// GetCachedPlan() decides it (plancache.c: RevalidateCachedQuery and
// CheckCachedPlan): valid, made under the current search_path, for the
// current role and row_security setting when row-level security shaped the
// query or the plan depends on the role, and under the current
// TransactionXmin when the plan is transient (an index it could not use yet).
// Call after lock_generic_plan(): the invalidations the locks let in are then
// already marked.
bool source_is_current(CachedPlanSource* source) {
  const CachedPlan* generic = source->gplan;
  if (!source->is_valid || generic == nullptr || !generic->is_valid) return false;
  if (source->search_path != nullptr && !OverrideSearchPathMatchesCurrent(source->search_path)) return false;
  if (source->dependsOnRLS && (source->rewriteRoleId != GetUserId() || source->rewriteRowSecurity != row_security))
    return false;
  if (generic->dependsOnRole && generic->planRoleId != GetUserId()) return false;
  if (TransactionIdIsValid(generic->saved_xmin) && !TransactionIdEquals(generic->saved_xmin, TransactionXmin))
    return false;
  return true;
}

bool generic_plan_is_current(SPIPlanPtr prepared_plan) {
  ListCell* cell;
  foreach (cell, SPI_plan_get_plan_sources(prepared_plan)) {
    if (!source_is_current(static_cast<CachedPlanSource*>(lfirst(cell)))) return false;
  }
  return true;
}

// Takes the locks the execution of the current generic plan takes
// (AcquireExecutorLocks in plancache.c; the plan's range table holds the
// relations of the query too, in the same modes). The first lock of a
// relation in a transaction accepts the invalidations that arrived, so once
// these are held the execution lets in no new ones: an invalidation that
// comes while this backend waits for a lock (another session's DDL on the
// table) is seen here, before the decision whether the execution makes the
// plan, not in the middle of the execution. The execution would take the
// same locks, and they are kept to the end of the transaction as its are.
// Call inside pg_call.
void lock_generic_plan(SPIPlanPtr prepared_plan) {
  ListCell* source_cell;
  foreach (source_cell, SPI_plan_get_plan_sources(prepared_plan)) {
    const CachedPlan* generic = static_cast<CachedPlanSource*>(lfirst(source_cell))->gplan;
    if (generic == nullptr || !generic->is_valid) continue;
    ListCell* statement_cell;
    foreach (statement_cell, generic->stmt_list) {
      auto* statement = static_cast<PlannedStmt*>(lfirst(statement_cell));
      if (statement->commandType == CMD_UTILITY) continue;
      ListCell* entry_cell;
      foreach (entry_cell, statement->rtable) {
        auto* entry = static_cast<RangeTblEntry*>(lfirst(entry_cell));
        if (entry->rtekind == RTE_RELATION) LockRelationOid(entry->relid, entry->rellockmode);
      }
    }
  }
}

void invalidate_generic_plan(SPIPlanPtr prepared_plan) {
  // As an invalidation of a table would (PlanCacheRelCallback): the plan
  // cache makes the generic plan again on the next execution. An execution
  // of the old plan still running further up the stack keeps its reference.
  ListCell* cell;
  foreach (cell, SPI_plan_get_plan_sources(prepared_plan)) {
    auto* source = static_cast<CachedPlanSource*>(lfirst(cell));
    if (source->gplan != nullptr) source->gplan->is_valid = false;
  }
}

// The sizes of a plan's tables, as one execution read them (count < 0: not read).
struct Sizes {
  int count = -1;
  Oid oids[KeptPlan::kMaxTables];
  BlockNumber blocks[KeptPlan::kMaxTables];
};

// Reads the current sizes of the plan's tables into `sizes`, once per
// execution (a later call keeps what the first read). Call inside pg_call.
void read_sizes(SPIPlanPtr prepared_plan, Sizes& sizes) {
  if (sizes.count < 0) sizes.count = current_sizes(prepared_plan, sizes.oids, sizes.blocks);
}

// The plan to execute now: `plan`'s kept plan, made again when a table it
// reads changed size a lot since it was planned (sizes are compared as often
// as the rule above says). Returns whether the execution will make the plan
// (so it needs the planner settings of its shape); `sizes` then holds the
// sizes it is made for (sizes.count < 0: not read). Call inside pg_call.
bool fitting_plan(KeptPlan& plan, Sizes& sizes) {
  prepared(plan);
  TimestampTz transaction_start = GetCurrentTransactionStartTimestamp();
  bool compare_sizes = transaction_start - plan.sizes_checked_at >= kSizeCheckIntervalUsec ||
                       ++plan.executions_unchecked >= kSizeCheckExecutions;
  // Every lock first (reading a size locks the table too), then the decision.
  if (compare_sizes) read_sizes(plan.plan, sizes);
  lock_generic_plan(plan.plan);
  // Invalidations that arrived although every lock was held already (an
  // ANALYZE): the plan cache would see them only at a later lock.
  AcceptInvalidationMessages();
  // A generation not noted yet: made by an execution that failed after it
  // made the plan (under the settings: an execution without them makes none).
  // plan_cache_mode = force_custom_plan: the plan cache makes a custom plan
  // for every execution with parameters (choose_custom_plan), whatever the
  // generic plan it keeps.
  if (!generic_plan_is_current(plan.plan) || plan.planned_generation != plan_generation(plan.plan) ||
      (plan_cache_mode == PLAN_CACHE_MODE_FORCE_CUSTOM_PLAN && plan.nargs > 0)) {
    read_sizes(plan.plan, sizes);
    return true;
  }
  if (!compare_sizes) return false;
  plan.sizes_checked_at = transaction_start;
  plan.executions_unchecked = 0;
  for (int i = 0; i < sizes.count && i < plan.tables; ++i) {
    if (sizes.oids[i] == plan.table_oids[i] && !size_changed_a_lot(plan.table_blocks[i], sizes.blocks[i]))
      continue;
    elog(DEBUG1, "megaforce: planning again (%s: %u blocks, planned for %u): %s", get_rel_name(sizes.oids[i]),
         sizes.blocks[i], plan.table_blocks[i], plan.sql);
    invalidate_generic_plan(plan.plan);
    return true;
  }
  return false;
}

// After an execution: when the plan cache made the generic plan during it,
// it was made for `sizes`, under the planner settings of the plan's shape if
// `shaped`. A plan made without them is sent back to be made again, with
// them, on the next execution: a safety net, for fitting_plan foresees the
// reasons GetCachedPlan has to make a plan, and once it holds the plan's
// locks no invalidation comes in before the execution looks at the plan
// (short of a relation the query locks and its plan does not).
void note_planned_sizes(KeptPlan& plan, Sizes& sizes, bool shaped) {
  int generation = plan_generation(plan.plan);
  if (generation == plan.planned_generation) return;
  if (!shaped) {
    invalidate_generic_plan(plan.plan);
    return;
  }
  read_sizes(plan.plan, sizes);
  plan.planned_generation = generation;
  plan.sizes_checked_at = GetCurrentTransactionStartTimestamp();
  plan.executions_unchecked = 0;
  plan.tables = sizes.count;
  for (int i = 0; i < sizes.count; ++i) {
    plan.table_oids[i] = sizes.oids[i];
    plan.table_blocks[i] = sizes.blocks[i];
  }
}

// Runs `run`, with the planner settings of `shape` when `plans` (the
// execution will make the generic plan). Planner settings matter only while
// a plan is made, and setting and resetting them costs two GUC passes per
// call. Call inside pg_call.
template <typename Run>
auto with_shape(PlanShape shape, bool plans, Run&& run) {
  if (!plans) return run();
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
    bool plans = fitting_plan(plan, sizes);
    int rc = with_shape(plan.shape, plans, [&] {
      return SPI_execute_plan(plan.plan, const_cast<Datum*>(values), nulls, read_only, limit);
    });
    if (rc < 0)
      elog(ERROR, "megaforce: SPI_execute_plan failed (%s) for: %s", SPI_result_code_string(rc),
           plan.sql);
    note_planned_sizes(plan, sizes, plans);
    return SPI_processed;
  });
}

Portal open_cursor(KeptPlan& plan, const Datum* values, const char* nulls, bool read_only) {
  return pg_call([&] {
    Sizes sizes;
    bool plans = fitting_plan(plan, sizes);
    Portal portal = with_shape(plan.shape, plans, [&] {
      return SPI_cursor_open(nullptr, plan.plan, const_cast<Datum*>(values), nulls, read_only);
    });
    note_planned_sizes(plan, sizes, plans);
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
  // The row triggers ask for a dozen columns by name on every row, always
  // with the same string literals: remember where each name was found last
  // (by the literal's address), and trust it only when that attribute of
  // `desc` still has this name. That is the column SPI_fnumber() finds when
  // no other column of `desc` has the name, as in the row type of a table or
  // of any named composite type; a query's result (RECORD) may have two
  // columns of one name, where SPI_fnumber() gives the first, so it is
  // always asked.
  struct Found {
    const char* name;
    int number;
  };
  static Found found[64];
  Found& slot = found[(reinterpret_cast<std::uintptr_t>(name) >> 3) % 64];
  bool names_unique = desc->tdtypeid != RECORDOID;
  if (names_unique && slot.name == name && slot.number > 0 && slot.number <= desc->natts) {
    Form_pg_attribute attribute = TupleDescAttr(desc, slot.number - 1);
    if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), name) == 0) return slot.number;
  }
  int number = SPI_fnumber(desc, name);
  if (names_unique && number > 0) slot = {name, number};
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
