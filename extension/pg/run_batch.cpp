// The batch calls of release 1.2 (SPEC §4): enqueue_runs and complete_runs,
// one statement and one round trip each, with the rules of enqueue_run and
// complete_run.
extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/runs.hpp"
#include "core/uuid.hpp"
#include "pg/args.hpp"
#include "pg/boundary.hpp"
#include "pg/run_queue.hpp"
#include "pg/spi.hpp"
#include "pg/standby.hpp"

using megaforce::Uuid;
namespace mpg = megaforce::pg;
namespace runq = megaforce::pg::runq;

namespace {

constexpr int kMaxEnqueueBatch = 10000;
constexpr int kMaxCompleteBatch = 1000;

// The elements of a one-dimensional array argument (a null element is
// reported as such); 22023 for a null array, more than one dimension or
// more than `max_elements` elements.
struct ArrayElements {
  Datum* values = nullptr;
  bool* nulls = nullptr;
  int count = 0;
};

ArrayElements array_arg(FunctionCallInfo fcinfo, int n, const char* name, Oid element_type, int max_elements) {
  if (PG_ARGISNULL(n)) throw megaforce::invalid_parameter(std::string(name) + " must not be null");
  ArrayType* array = mpg::pg_call([&] { return PG_GETARG_ARRAYTYPE_P(n); });
  if (ARR_NDIM(array) > 1)
    throw megaforce::invalid_parameter(std::string(name) + " must be a one-dimensional array");
  int count = ARR_NDIM(array) == 0 ? 0 : ARR_DIMS(array)[0];
  if (count > max_elements)
    throw megaforce::invalid_parameter(std::string(name) + " has " + std::to_string(count) +
                                       " elements; at most " + std::to_string(max_elements) + " are allowed");
  ArrayElements out;
  mpg::pg_call([&] {
    int16 typlen;
    bool typbyval;
    char typalign;
    get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
    deconstruct_array(array, element_type, typlen, typbyval, typalign, &out.values, &out.nulls, &out.count);
  });
  return out;
}

void require_no_null_element(const ArrayElements& elements, const char* name) {
  for (int i = 0; i < elements.count; ++i)
    if (elements.nulls[i])
      throw megaforce::invalid_parameter(std::string(name) + " must not contain a null element (element " +
                                         std::to_string(i + 1) + ")");
}

// Adds the composite row `row` (of the function's result type) to the result.
void put_row(ReturnSetInfo* rsinfo, Datum row) {
  mpg::pg_call([&] {
    HeapTupleHeader header = DatumGetHeapTupleHeader(row);
    HeapTupleData tuple;
    tuple.t_len = HeapTupleHeaderGetDatumLength(header);
    ItemPointerSetInvalid(&tuple.t_self);
    tuple.t_tableOid = InvalidOid;
    tuple.t_data = header;
    tuplestore_puttuple(rsinfo->setResult, &tuple);
  });
}

// One UPDATE completes every listed run that is running under its token;
// the others (stale token, finished, unknown) match nothing and are left as
// they are. A (run, token) pair listed twice counts once, with its first
// result, as complete_run called for each pair in order would leave it (an
// UPDATE joined to two matching rows would take either one).
mpg::KeptPlan g_complete_many{
    "UPDATE megaforce.runs r SET status = 'succeeded', result = COALESCE(b.result, '{}'::jsonb) "
    "FROM (SELECT DISTINCT ON (p.id, p.token) p.id, p.token, p.result "
    "      FROM ROWS FROM (pg_catalog.unnest($1::uuid[]), pg_catalog.unnest($2::uuid[]), "
    "                      pg_catalog.unnest($3::jsonb[])) WITH ORDINALITY AS p(id, token, result, n) "
    "      ORDER BY p.id, p.token, p.n) AS b "
    "WHERE r.id = b.id AND r.lease_token = b.token AND pg_catalog.texteq(r.status, 'running') "
    "RETURNING r",
    3, {UUIDARRAYOID, UUIDARRAYOID, JSONBARRAYOID}};

}  // namespace

// enqueue_runs(input_source_ids uuid[], actor_id default null, priority default 0,
//              run_after default now(), trigger default 'manual') returns setof runs:
// enqueue_run for each distinct source, in array order; one refusal refuses
// the whole call (the statement's writes are undone with its error).
MF_WRITE_FUNCTION(megaforce_enqueue_runs, "enqueue_runs") {
  ArrayElements sources = array_arg(fcinfo, 0, "input_source_ids", UUIDOID, kMaxEnqueueBatch);
  require_no_null_element(sources, "input_source_ids");
  runq::EnqueueRequest request = runq::enqueue_request_from_args(fcinfo);

  std::vector<Uuid> distinct;
  std::set<Uuid> seen;
  for (int i = 0; i < sources.count; ++i) {
    Uuid source = mpg::uuid_of(sources.values[i]);
    if (seen.insert(source).second) distinct.push_back(source);
  }

  mpg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  mpg::with_spi([&] {
    if (request.actor) runq::require_actor(*request.actor, "enqueue runs");
    for (const Uuid& source : distinct) {
      mpg::check_interrupts();
      request.source = source;
      mpg::with_item_spi([&] {
        Datum row = runq::enqueue(request);
        put_row(rsinfo, row);
        mpg::pg_call([&] { pfree(DatumGetPointer(row)); });
      });
    }
    return 0;
  });
  return Datum(0);
}

// complete_runs(run_ids uuid[], lease_tokens uuid[], results jsonb[] default null)
// returns setof runs: the runs it completed.
MF_WRITE_FUNCTION(megaforce_complete_runs, "complete_runs") {
  ArrayElements ids = array_arg(fcinfo, 0, "run_ids", UUIDOID, kMaxCompleteBatch);
  ArrayElements tokens = array_arg(fcinfo, 1, "lease_tokens", UUIDOID, kMaxCompleteBatch);
  require_no_null_element(ids, "run_ids");
  require_no_null_element(tokens, "lease_tokens");
  if (tokens.count != ids.count)
    throw megaforce::invalid_parameter("run_ids has " + std::to_string(ids.count) + " elements but lease_tokens has " +
                                       std::to_string(tokens.count) + "; they must have equal length");
  if (!PG_ARGISNULL(2)) {
    ArrayElements results = array_arg(fcinfo, 2, "results", JSONBOID, kMaxCompleteBatch);
    if (results.count != ids.count)
      throw megaforce::invalid_parameter("run_ids has " + std::to_string(ids.count) + " elements but results has " +
                                         std::to_string(results.count) + "; they must have equal length");
  }

  mpg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  if (ids.count == 0) return Datum(0);
  mpg::with_spi([&] {
    Datum args[3] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), PG_ARGISNULL(2) ? Datum(0) : PG_GETARG_DATUM(2)};
    char nulls[3] = {' ', ' ', PG_ARGISNULL(2) ? 'n' : ' '};
    uint64 completed = mpg::execute(g_complete_many, args, nulls, false);
    for (uint64 i = 0; i < completed; ++i) {
      Datum row = mpg::pg_call([&] {
        bool is_null = false;
        return SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &is_null);
      });
      put_row(rsinfo, row);
    }
    return 0;
  });
  return Datum(0);
}
