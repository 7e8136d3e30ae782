// Version 1.1's tamper evidence for approval_history, glue side:
//   history_row_hash(...)     the canonical row hash as an SQL function (the
//                             1.0 -> 1.1 upgrade backfills with it);
//   set_history_row_hash()    BEFORE INSERT trigger: every new row, also a
//                             direct INSERT, gets its link in the chain;
//   verify_history(output_id) walks the chains and reports what is broken.
// The encoding and the checks are plain C++ in core/history_chain.
extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/history_chain.hpp"
#include "pg/boundary.hpp"
#include "pg/history_lock.hpp"
#include "pg/index_lookup.hpp"
#include "pg/restore.hpp"
#include "pg/row_access.hpp"
#include "pg/spi.hpp"
#include "pg/row_trigger.hpp"

namespace mpg = megaforce::pg;
using megaforce::HistoryRow;
using megaforce::Sha256Digest;
using megaforce::Uuid;

namespace {

// The output whose row the workflow trigger has locked while it writes history.
const Uuid* g_locked_output = nullptr;

std::optional<Sha256Digest> digest_of(Datum value, bool is_null) {
  if (is_null) return std::nullopt;
  bytea* bytes = mpg::pg_call([&] { return DatumGetByteaPP(value); });
  if (VARSIZE_ANY_EXHDR(bytes) != 32) return std::nullopt;
  Sha256Digest digest;
  std::memcpy(digest.data(), VARDATA_ANY(bytes), digest.size());
  return digest;
}

Datum bytea_datum(const Sha256Digest& digest) {
  auto* result = static_cast<bytea*>(mpg::pg_call([] { return palloc(VARHDRSZ + 32); }));
  SET_VARSIZE(result, VARHDRSZ + 32);
  std::memcpy(VARDATA(result), digest.data(), digest.size());
  return PointerGetDatum(result);
}

std::optional<std::string> optional_text(Datum value, bool is_null) {
  if (is_null) return std::nullopt;
  return mpg::text_of(value);
}

std::optional<Uuid> optional_uuid(Datum value, bool is_null) {
  if (is_null) return std::nullopt;
  return mpg::uuid_of(value);
}

// Reads the hashed fields of a history row from a tuple, by column name.
HistoryRow history_row_of(HeapTuple tuple, TupleDesc desc) {
  auto get = [&](const char* name, bool* is_null) { return mpg::column(tuple, desc, name, is_null); };
  HistoryRow row;
  bool is_null = false;
  Datum id = get("id", &is_null);
  if (is_null) throw megaforce::Error(megaforce::sqlstate::kInternalError, "approval_history row without id");
  row.id = DatumGetInt64(id);
  Datum value = get("output_id", &is_null);
  row.output_id = optional_uuid(value, is_null);
  value = get("from_status", &is_null);
  row.from_status = optional_text(value, is_null);
  value = get("to_status", &is_null);
  row.to_status = optional_text(value, is_null);
  value = get("actor_id", &is_null);
  row.actor_id = optional_uuid(value, is_null);
  value = get("comment", &is_null);
  row.comment = optional_text(value, is_null);
  value = get("revision", &is_null);
  if (!is_null) row.revision = DatumGetInt32(value);
  value = get("created_at", &is_null);
  if (!is_null) row.created_at = DatumGetTimestampTz(value);
  return row;
}

mpg::KeptPlan g_lock_output{
    "SELECT 1 FROM megaforce.output_schemas WHERE id = $1 FOR NO KEY UPDATE", 1, {UUIDOID}};
constexpr mpg::IndexLookup kLastHistoryRow{"approval_history", "approval_history_output_id_idx", true};
constexpr const char* kLastRowColumns[] = {"id", "row_hash"};

// The row_hash of the last history row of `output_id`, read after locking the
// output's row, so two writers of one output's history cannot fork its chain.
// The last row comes from the (output_id, id) index, read backwards.
//
// Under READ COMMITTED the lookup's fresh snapshot, taken after the lock, sees
// the last committed row. Under REPEATABLE READ and SERIALIZABLE it would see
// the transaction's snapshot, which misses a row committed since it was taken:
// linking to the row before that would fork the chain. So the last row is
// read from the latest committed state too, and when the two differ the
// transaction is refused with 40001, to be retried with a newer snapshot.
std::optional<Sha256Digest> last_hash_of(const Uuid& output_id) {
  bool locked_by_workflow = g_locked_output && *g_locked_output == output_id;
  if (!locked_by_workflow) {
    Datum arg = mpg::uuid_datum(output_id);
    mpg::with_spi([&] { return mpg::execute(g_lock_output, &arg, nullptr, false); });
  }
  Datum seen[2];
  bool seen_null[2] = {true, true};
  bool found = mpg::lookup_row(kLastHistoryRow, output_id, kLastRowColumns, 2, seen, seen_null);
  if (IsolationUsesXactSnapshot()) {
    Datum latest[2];
    bool latest_null[2] = {true, true};
    bool latest_found = mpg::lookup_row(kLastHistoryRow, output_id, kLastRowColumns, 2, latest, latest_null,
                                        mpg::Visibility::kLatestCommitted);
    if (latest_found != found || (found && DatumGetInt64(latest[0]) != DatumGetInt64(seen[0])))
      throw megaforce::Error(megaforce::sqlstate::kSerializationFailure,
                             "could not serialize access to the approval history of output " +
                                 megaforce::to_string(output_id),
                             "A history row of this output was committed after this transaction's snapshot was "
                             "taken; linking the new row to the last row the snapshot sees would fork the chain.",
                             "Retry the transaction.");
  }
  if (!found) return std::nullopt;
  return digest_of(seen[1], seen_null[1]);
}

}  // namespace

namespace megaforce::pg {

OutputLockedForHistory::OutputLockedForHistory(const Uuid& output_id) : previous_(g_locked_output) {
  g_locked_output = &output_id;
}
OutputLockedForHistory::~OutputLockedForHistory() { g_locked_output = previous_; }

}  // namespace megaforce::pg

// history_row_hash(previous bytea, id, output_id, from_status, to_status,
// actor_id, comment, revision, created_at) -> bytea: the canonical hash.
MF_FUNCTION(megaforce_history_row_hash) {
  if (PG_ARGISNULL(1)) throw megaforce::invalid_parameter("id must not be null");
  std::optional<Sha256Digest> previous;
  if (!PG_ARGISNULL(0)) {
    previous = digest_of(PG_GETARG_DATUM(0), false);
    if (!previous) throw megaforce::invalid_parameter("previous row_hash must be 32 bytes");
  }
  HistoryRow row;
  row.id = PG_GETARG_INT64(1);
  row.output_id = optional_uuid(PG_GETARG_DATUM(2), PG_ARGISNULL(2));
  row.from_status = optional_text(PG_GETARG_DATUM(3), PG_ARGISNULL(3));
  row.to_status = optional_text(PG_GETARG_DATUM(4), PG_ARGISNULL(4));
  row.actor_id = optional_uuid(PG_GETARG_DATUM(5), PG_ARGISNULL(5));
  row.comment = optional_text(PG_GETARG_DATUM(6), PG_ARGISNULL(6));
  if (!PG_ARGISNULL(7)) row.revision = PG_GETARG_INT32(7);
  if (!PG_ARGISNULL(8)) row.created_at = PG_GETARG_TIMESTAMPTZ(8);
  return bytea_datum(megaforce::history_row_hash(previous, row));
}

// BEFORE INSERT on approval_history: row_hash links the row to the last row of
// its output. Whatever row_hash an INSERT supplies is replaced. Not ENABLE
// ALWAYS: a restore in replica mode keeps the dumped hashes as they are, and
// verify_history() checks them.
MF_FUNCTION(megaforce_set_history_row_hash) {
  TriggerData* trigger = mpg::row_trigger(fcinfo, "set_history_row_hash");
  if (!TRIGGER_FIRED_BY_INSERT(trigger->tg_event) || !TRIGGER_FIRED_BEFORE(trigger->tg_event))
    throw megaforce::Error(megaforce::sqlstate::kInternalError,
                           "set_history_row_hash() must be a BEFORE INSERT trigger");
  HeapTuple row = trigger->tg_trigtuple;
  TupleDesc desc = trigger->tg_relation->rd_att;
  // Restore mode (issue 20): a restored row keeps its hash (verify_history()
  // in post_restore() checks it). Outside it, history rows copied in with
  // their hashes are a restore: refused with what to run instead.
  bool hash_null = true;
  mpg::column(row, desc, "row_hash", &hash_null);
  if (!hash_null && mpg::restore_mode()) return PointerGetDatum(row);
  if (!hash_null && mpg::statement_is_copy())
    mpg::refuse_restore("approval_history rows arrive by COPY with their row_hash, as a dump carries them");
  HistoryRow fields = history_row_of(row, desc);
  std::optional<Sha256Digest> previous;
  if (fields.output_id) previous = last_hash_of(*fields.output_id);
  mpg::RowChanges changes(desc);
  changes.set("row_hash", bytea_datum(megaforce::history_row_hash(previous, fields)));
  return PointerGetDatum(changes.apply(row));
}

namespace {

// Every output with its history rows, in chain order. A FULL JOIN, so history
// rows whose output is gone (possible only with triggers off) show up too.
mpg::KeptPlan g_all_chains{
    "SELECT coalesce(o.id, h.output_id) AS chain, o.id IS NOT NULL AS output_exists, "
    "       o.revision AS output_revision, h.id, h.output_id, h.from_status, h.to_status, "
    "       h.actor_id, h.comment, h.revision, h.created_at, h.row_hash "
    "FROM megaforce.output_schemas o FULL JOIN megaforce.approval_history h ON h.output_id = o.id "
    "ORDER BY 1, h.id",
    0, {}};
mpg::KeptPlan g_one_chain{
    "SELECT k.id AS chain, o.id IS NOT NULL AS output_exists, "
    "       o.revision AS output_revision, h.id, h.output_id, h.from_status, h.to_status, "
    "       h.actor_id, h.comment, h.revision, h.created_at, h.row_hash "
    "FROM (SELECT $1::uuid AS id) k "
    "LEFT JOIN megaforce.output_schemas o ON o.id = k.id "
    "LEFT JOIN megaforce.approval_history h ON h.output_id = k.id "
    "ORDER BY h.id",
    1, {UUIDOID}};

class ChainWalk {
 public:
  explicit ChainWalk(ReturnSetInfo* rsinfo) : rsinfo_(rsinfo) {}

  // One result row of the plans above.
  void add(HeapTuple tuple, TupleDesc desc) {
    bool is_null = false;
    Uuid chain = mpg::uuid_of(mpg::column(tuple, desc, "chain", &is_null));
    if (!checker_ || chain != chain_) {
      flush();
      chain_ = chain;
      bool exists = DatumGetBool(mpg::column(tuple, desc, "output_exists", &is_null));
      Datum revision = mpg::column(tuple, desc, "output_revision", &is_null);
      output_exists_ = exists;
      checker_.emplace(chain, is_null ? 0 : DatumGetInt32(revision));
    }
    mpg::column(tuple, desc, "id", &is_null);
    if (is_null) return;  // an output without history rows
    Datum hash = mpg::column(tuple, desc, "row_hash", &is_null);
    checker_->add_row(history_row_of(tuple, desc), digest_of(hash, is_null), !is_null);
  }

  void flush() {
    if (!checker_) return;
    std::vector<megaforce::HistoryProblem> problems = checker_->finish();
    if (!output_exists_)
      problems = {{chain_, std::nullopt, "history rows of an output that does not exist"}};
    for (const megaforce::HistoryProblem& p : problems) emit(p);
    checker_.reset();
  }

 private:
  void emit(const megaforce::HistoryProblem& p) {
    Datum values[3] = {mpg::uuid_datum(p.output_id), Int64GetDatum(p.history_id.value_or(0)),
                       mpg::text_datum(p.problem)};
    bool nulls[3] = {false, !p.history_id, false};
    mpg::pg_call([&] { tuplestore_putvalues(rsinfo_->setResult, rsinfo_->setDesc, values, nulls); });
  }

  ReturnSetInfo* rsinfo_;
  std::optional<megaforce::HistoryChainChecker> checker_;
  Uuid chain_{};
  bool output_exists_ = true;
};

}  // namespace

// verify_history(output_id uuid default null): nothing when every chain is
// intact, else one row per problem. Reads through a cursor, 1,000 rows at a
// time, so a million history rows need no more memory than a thousand.
MF_FUNCTION(megaforce_verify_history) {
  mpg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  bool one = !PG_ARGISNULL(0);
  Datum arg = one ? PG_GETARG_DATUM(0) : Datum(0);
  mpg::spi_connect();
  {
    ChainWalk walk(rsinfo);
    Portal cursor = mpg::open_cursor(one ? g_one_chain : g_all_chains, &arg, nullptr, true);
    bool any_row = false;
    bool output_known = !one;
    // What one batch allocates (detoasted values, datums) is freed with it.
    MemoryContext batch_context = mpg::pg_call([] {
      return AllocSetContextCreate(CurrentMemoryContext, "megaforce verify_history batch",
                                   ALLOCSET_DEFAULT_SIZES);
    });
    for (;;) {
      mpg::pg_call([&] { SPI_cursor_fetch(cursor, true, 1000); });
      uint64 n = SPI_processed;
      if (n == 0) break;
      MemoryContext outer = MemoryContextSwitchTo(batch_context);
      for (uint64 i = 0; i < n; ++i) {
        mpg::check_interrupts();
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc desc = SPI_tuptable->tupdesc;
        if (one && !any_row) {
          bool is_null = false;
          bool exists = DatumGetBool(mpg::column(tuple, desc, "output_exists", &is_null));
          mpg::column(tuple, desc, "id", &is_null);
          output_known = exists || !is_null;
        }
        any_row = true;
        if (output_known) walk.add(tuple, desc);
      }
      MemoryContextSwitchTo(outer);
      mpg::pg_call([&] {
        SPI_freetuptable(SPI_tuptable);
        MemoryContextReset(batch_context);
      });
    }
    mpg::pg_call([&] { SPI_cursor_close(cursor); });
    if (!output_known)
      throw megaforce::Error(megaforce::sqlstate::kNoDataFound,
                             "output " + megaforce::to_string(mpg::uuid_of(arg)) + " does not exist");
    walk.flush();
  }
  mpg::spi_finish();
  return Datum(0);
}
