// The approval workflow's SQL functions (SPEC §3): transition_output, its
// named forms (submit_output, approve_output, ...), create_output and
// output_transitions(). They only ask: the output_schemas trigger decides
// (output_workflow.cpp), so a plain UPDATE obeys the same rules.
extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/approval.hpp"
#include "core/error.hpp"
#include "core/uuid.hpp"
#include "pg/args.hpp"
#include "pg/boundary.hpp"
#include "pg/standby.hpp"
#include "pg/output_request.hpp"
#include "pg/spi.hpp"

namespace ap = megaforce::approval;
using megaforce::Error;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;

namespace {

mpg::KeptPlan g_transition{
    "UPDATE megaforce.output_schemas o SET status = $2 WHERE o.id = $1 RETURNING o", 2,
    {UUIDOID, TEXTOID}};

mpg::KeptPlan g_create{
    "INSERT INTO megaforce.output_schemas AS o (owner_id, title, content, schema_name, run_id, persona_id) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING o",
    6, {UUIDOID, TEXTOID, JSONBOID, TEXTOID, UUIDOID, UUIDOID}};

// Runs `plan` inside SPI and returns its single RETURNING row (a composite
// Datum) copied out of SPI's memory, or nullopt when no row was affected.
std::optional<Datum> run_returning_row(mpg::KeptPlan& plan, const Datum* args, const char* nulls) {
  mpg::spi_connect();
  uint64 rows = mpg::execute(plan, args, nulls, false);
  std::optional<Datum> result;
  if (rows > 0) result = mpg::first_result_column();
  mpg::spi_finish();
  return result;
}

// transition_output and its named forms: to_status, actor, comment,
// expected_revision, all asserted by the caller and checked by the trigger.
Datum transition(FunctionCallInfo fcinfo, const std::string& to_status, int actor_arg,
                 int comment_arg, int expected_revision_arg) {
  megaforce::Uuid output_id = mpg::required_uuid_arg(fcinfo, 0, "output_id");
  mpg::OutputRequest request;
  request.output_id = output_id;
  request.to_status = to_status;
  if (!PG_ARGISNULL(actor_arg)) request.actor = mpg::uuid_of(PG_GETARG_DATUM(actor_arg));
  request.comment = mpg::optional_text_arg(fcinfo, comment_arg).value_or("");
  if (expected_revision_arg >= 0 && PG_NARGS() > expected_revision_arg &&
      !PG_ARGISNULL(expected_revision_arg))
    request.expected_revision = PG_GETARG_INT32(expected_revision_arg);

  mpg::OutputRequestScope scope(std::move(request));
  Datum args[2] = {mpg::uuid_datum(output_id), mpg::text_datum(to_status)};
  std::optional<Datum> row = run_returning_row(g_transition, args, nullptr);
  if (!row)
    throw Error(sqlstate::kNoDataFound, "output " + megaforce::to_string(output_id) + " does not exist");
  return *row;
}

Datum named_transition(FunctionCallInfo fcinfo, ap::Action action) {
  return transition(fcinfo, ap::name(ap::info(action).target), 1, 2, -1);
}

}  // namespace

MF_WRITE_FUNCTION(megaforce_transition_output, "transition_output") {
  std::string to_status = mpg::required_text_arg(fcinfo, 1, "to_status");
  return transition(fcinfo, to_status, 2, 3, 4);
}

MF_WRITE_FUNCTION(megaforce_submit_output, "submit_output") { return named_transition(fcinfo, ap::Action::kSubmit); }
MF_WRITE_FUNCTION(megaforce_approve_output, "approve_output") { return named_transition(fcinfo, ap::Action::kApprove); }
MF_WRITE_FUNCTION(megaforce_request_changes, "request_changes") { return named_transition(fcinfo, ap::Action::kRequestChanges); }
MF_WRITE_FUNCTION(megaforce_reject_output, "reject_output") { return named_transition(fcinfo, ap::Action::kReject); }
MF_WRITE_FUNCTION(megaforce_reopen_output, "reopen_output") { return named_transition(fcinfo, ap::Action::kReopen); }
MF_WRITE_FUNCTION(megaforce_publish_output, "publish_output") { return named_transition(fcinfo, ap::Action::kPublish); }
MF_WRITE_FUNCTION(megaforce_archive_output, "archive_output") { return named_transition(fcinfo, ap::Action::kArchive); }

// create_output(owner_id, title, content, schema_name, run_id, persona_id):
// an INSERT, so the trigger checks the owner exactly as for a plain INSERT.
MF_WRITE_FUNCTION(megaforce_create_output, "create_output") {
  if (PG_ARGISNULL(0)) throw megaforce::invalid_parameter("owner_id must not be null");
  if (PG_ARGISNULL(1)) throw megaforce::invalid_parameter("title must not be null");
  if (PG_ARGISNULL(2)) throw megaforce::invalid_parameter("content must not be null");
  if (PG_ARGISNULL(3)) throw megaforce::invalid_parameter("schema_name must not be null");
  Datum args[6];
  char nulls[6];
  for (int i = 0; i < 6; ++i) {
    args[i] = PG_ARGISNULL(i) ? Datum(0) : PG_GETARG_DATUM(i);
    nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
  }
  std::optional<Datum> row = run_returning_row(g_create, args, nulls);
  if (!row) throw Error(sqlstate::kInternalError, "create_output inserted no row");
  return *row;
}

// output_transitions(): the workflow table, read from the C++ state machine.
MF_FUNCTION(megaforce_output_transitions) {
  mpg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (const ap::Transition& t : ap::transitions()) {
    const ap::ActionInfo& info = ap::info(t.action);
    std::vector<std::string> roles = info.allowed.names();
    std::vector<Datum> role_datums;
    for (const std::string& role : roles) role_datums.push_back(mpg::text_datum(role));
    Datum values[5] = {t.from ? mpg::text_datum(ap::name(*t.from)) : Datum(0),
                       mpg::text_datum(ap::name(t.to)), mpg::text_datum(info.function), Datum(0),
                       BoolGetDatum(info.comment_required)};
    bool nulls[5] = {!t.from, false, false, false, false};
    mpg::pg_call([&] {
      values[3] = PointerGetDatum(construct_array(role_datums.data(), static_cast<int>(role_datums.size()),
                                                  TEXTOID, -1, false, TYPALIGN_INT));
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    });
  }
  return Datum(0);
}
