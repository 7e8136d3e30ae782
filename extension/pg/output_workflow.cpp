// The one enforcement point of the approval workflow (SPEC §3): row triggers
// on output_schemas that check every creation, edit and status change, from
// the workflow functions and from plain INSERT/UPDATE alike.
//
//  output_workflow_before (BEFORE INSERT OR UPDATE): checks the step against
//    extension/core/approval, keeps revision, the workflow timestamps and
//    updated_at (the trigger's columns: direct writes to them are overridden);
//  output_workflow_after (AFTER INSERT OR UPDATE): writes the approval_history
//    rows (after the row exists, for the foreign key) and sends NOTIFY.
//
// The actor and comment come from the calling workflow function
// (output_request.hpp) or else from megaforce.actor_id / megaforce.comment.
extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

#include <optional>
#include <string>

#include "core/approval.hpp"
#include "core/error.hpp"
#include "core/uuid.hpp"
#include "pg/actors.hpp"
#include "pg/boundary.hpp"
#include "pg/history_lock.hpp"
#include "pg/output_request.hpp"
#include "pg/restore.hpp"
#include "pg/row_access.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/row_trigger.hpp"

namespace ap = megaforce::approval;
using megaforce::Error;
using megaforce::Uuid;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;

namespace {

// Columns the trigger owns on UPDATE: a direct write is replaced by the old value.
constexpr const char* kTriggerColumns[] = {"revision", "created_at", "submitted_at",
                                           "reviewed_by", "reviewed_at", "published_at"};

// Who acts and with which comment, for one row.
struct StepContext {
  std::string actor_text;  // as given; empty = none
  std::string comment;     // as given; blank = none
  const mpg::OutputRequest* request = nullptr;
};

StepContext step_context(const Uuid& output_id) {
  StepContext ctx;
  ctx.request = mpg::request_for(output_id);
  if (ctx.request) {
    if (ctx.request->actor) ctx.actor_text = megaforce::to_string(*ctx.request->actor);
    ctx.comment = ctx.request->comment;
  } else {
    ctx.actor_text = mpg::actor_id_setting();
    ctx.comment = mpg::comment_setting();
  }
  return ctx;
}

// A required uuid column (id, owner_id).
Uuid required_uuid(HeapTuple row, TupleDesc desc, const char* name) {
  std::optional<Uuid> value = mpg::uuid_column(row, desc, name);
  if (!value) throw Error(sqlstate::kInternalError, std::string("output ") + name + " is null");
  return *value;
}

int32 revision_of(HeapTuple row, TupleDesc desc) { return mpg::int_column(row, desc, "revision").value_or(0); }

HeapTuple before_insert(HeapTuple row, TupleDesc desc) {
  std::optional<std::string> status = mpg::text_column(row, desc, "status");
  // Outside restore mode (issue 20), an output deep in the workflow, as a
  // dump carries it, is refused with what to run instead.
  if (status && *status != "draft" && revision_of(row, desc) > 1)
    mpg::refuse_restore("output " + megaforce::to_string(required_uuid(row, desc, "id")) + " arrives " +
                        *status + " at revision " + std::to_string(revision_of(row, desc)) +
                        ", as a dump carries it");
  if (status && *status != "draft")
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "a new output starts as draft, not " + *status,
                {}, "Insert with status draft (the default) and move it with the workflow functions.");
  Uuid owner = required_uuid(row, desc, "owner_id");
  std::optional<ap::Actor> actor = mpg::lookup_actor(owner, owner);
  ap::check_create(actor, megaforce::to_string(owner));

  mpg::RowChanges changes(desc);
  changes.set("revision", Int32GetDatum(1));
  changes.set("created_at", mpg::transaction_now_datum());
  for (const char* name : {"submitted_at", "reviewed_by", "reviewed_at", "published_at"})
    changes.set_null(name);
  return changes.apply(row);
}

HeapTuple before_update(HeapTuple old_row, HeapTuple new_row, TupleDesc desc) {
  Uuid id = required_uuid(old_row, desc, "id");
  std::string id_text = megaforce::to_string(id);
  if (!mpg::equal_column(old_row, new_row, desc, "id", uuid_eq) ||
      !mpg::equal_column(old_row, new_row, desc, "owner_id", uuid_eq))
    throw Error(sqlstate::kInsufficientPrivilege,
                "the id and owner_id of output " + id_text + " cannot be changed");

  StepContext ctx = step_context(id);
  std::optional<std::string> old_status_text = mpg::text_column(old_row, desc, "status");
  std::optional<ap::Status> old_status = ap::parse_status(old_status_text.value_or(""));
  if (!old_status)
    throw Error(sqlstate::kInternalError, "output " + id_text + " has no valid status");
  std::string new_status_text =
      ctx.request ? ctx.request->to_status : mpg::text_column(new_row, desc, "status").value_or("");
  bool transition = ctx.request != nullptr || new_status_text != *old_status_text;
  bool edited = !mpg::equal_column(old_row, new_row, desc, "title", texteq) ||
                !mpg::equal_column(old_row, new_row, desc, "content", jsonb_eq);
  int32 old_revision = revision_of(old_row, desc);

  // SPEC order: unknown output (the UPDATE found no row), stale revision,
  // unknown target, illegal transition, actor, missing comment.
  if (ctx.request && ctx.request->expected_revision &&
      *ctx.request->expected_revision != old_revision)
    throw Error(sqlstate::kSerializationFailure,
                "output " + id_text + " was changed meanwhile: revision is " +
                    std::to_string(old_revision) + ", expected " +
                    std::to_string(*ctx.request->expected_revision),
                {}, "Read the output again and retry with its current revision.");

  mpg::RowChanges changes(desc);
  for (const char* name : kTriggerColumns) changes.copy_from(old_row, name);
  // updated_at too: one trigger call per row instead of two on this hot path.
  changes.set("updated_at", mpg::transaction_now_datum());
  if (!edited && !transition) return changes.apply(new_row);

  Uuid owner = required_uuid(old_row, desc, "owner_id");
  std::optional<ap::Actor> actor = mpg::lookup_actor_text(ctx.actor_text, owner);
  int32 revision = old_revision;
  if (edited) {
    ap::check_edit(id_text, *old_status, actor, ctx.actor_text);
    ++revision;
  }
  if (transition) {
    ap::Status target = ap::check_target(id_text, *old_status, new_status_text);
    ap::Action action = ap::action_for_target(target);
    ap::check_actor(id_text, action, actor, ctx.actor_text);
    ap::check_comment(id_text, action, ctx.comment);
    ++revision;
    switch (target) {
      case ap::Status::kPendingReview:
        changes.set("submitted_at", mpg::transaction_now_datum());
        break;
      case ap::Status::kApproved:
      case ap::Status::kChangesRequested:
      case ap::Status::kRejected:
        changes.set("reviewed_by", mpg::uuid_datum(*megaforce::parse_uuid(actor->id)));
        changes.set("reviewed_at", mpg::transaction_now_datum());
        break;
      case ap::Status::kPublished:
        changes.set("published_at", mpg::transaction_now_datum());
        break;
      default:
        break;
    }
    if (ctx.request) changes.set("status", mpg::text_datum(new_status_text));
  }
  changes.set("revision", Int32GetDatum(revision));
  return changes.apply(new_row);
}

mpg::KeptPlan g_insert_history{
    "INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, comment, revision) "
    "VALUES ($1, $2, $3, $4, $5, $6)",
    6, {UUIDOID, TEXTOID, TEXTOID, UUIDOID, TEXTOID, INT4OID}};

mpg::KeptPlan g_history_exists{
    "SELECT 1 FROM megaforce.approval_history WHERE output_id = $1", 1, {UUIDOID}};

void write_history(const Uuid& output_id, std::optional<ap::Status> from, ap::Status to,
                   const Uuid& actor, const std::string& comment, int32 revision) {
  bool has_comment = !ap::is_blank(comment);
  Datum args[6] = {mpg::uuid_datum(output_id),
                   from ? mpg::text_datum(ap::name(*from)) : Datum(0),
                   mpg::text_datum(ap::name(to)),
                   mpg::uuid_datum(actor),
                   has_comment ? mpg::text_datum(comment) : Datum(0),
                   Int32GetDatum(revision)};
  char nulls[6] = {' ', from ? ' ' : 'n', ' ', ' ', has_comment ? ' ' : 'n', ' '};
  mpg::OutputLockedForHistory locked(output_id);  // by the UPDATE/INSERT this trigger follows
  mpg::execute(g_insert_history, args, nulls, false);
}

void notify(const Uuid& output_id, std::optional<ap::Status> from, ap::Status to, const Uuid& actor,
            int32 revision) {
  if (!mpg::notify_enabled()) return;
  std::string payload = ap::notification(megaforce::to_string(output_id), from, to,
                                         megaforce::to_string(actor), revision);
  mpg::pg_call([&] { Async_Notify("megaforce_outputs", payload.c_str()); });
}

void after_insert(HeapTuple row, TupleDesc desc) {
  Uuid id = required_uuid(row, desc, "id");
  Uuid owner = required_uuid(row, desc, "owner_id");
  int32 revision = revision_of(row, desc);
  write_history(id, std::nullopt, ap::Status::kDraft, owner, "", revision);
  notify(id, std::nullopt, ap::Status::kDraft, owner, revision);
}

void after_update(HeapTuple old_row, HeapTuple new_row, TupleDesc desc) {
  Uuid id = required_uuid(old_row, desc, "id");
  std::optional<ap::Status> from = ap::parse_status(mpg::text_column(old_row, desc, "status").value_or(""));
  std::optional<ap::Status> to = ap::parse_status(mpg::text_column(new_row, desc, "status").value_or(""));
  int32 old_revision = revision_of(old_row, desc);
  int32 new_revision = revision_of(new_row, desc);
  if (!from || !to || new_revision == old_revision) return;  // no workflow step in this UPDATE

  StepContext ctx = step_context(id);
  // The BEFORE trigger has checked the actor, unless someone disabled it:
  // then there may be none to record, and the step is refused.
  std::optional<Uuid> actor_id = megaforce::parse_uuid(ctx.actor_text);
  if (!actor_id)
    throw Error(sqlstate::kInsufficientPrivilege,
                "workflow step on output " + megaforce::to_string(id) + " has no valid actor to record", {},
                "Set megaforce.actor_id (SET LOCAL) to the acting user's id, or use the workflow functions.");
  const Uuid& actor = *actor_id;
  bool transition = *from != *to;
  bool edited = new_revision - old_revision == (transition ? 2 : 1);
  if (edited)  // the edit first, at the status it was made in
    write_history(id, *from, *from, actor, transition ? "" : ctx.comment, old_revision + 1);
  if (transition) {
    write_history(id, *from, *to, actor, ctx.comment, new_revision);
    notify(id, *from, *to, actor, new_revision);
  }
}

}  // namespace

MF_FUNCTION(megaforce_output_workflow_before) {
  TriggerData* trigger = mpg::row_trigger(fcinfo, "output_workflow_before");
  TupleDesc desc = trigger->tg_relation->rd_att;
  // No SPI here: the row returned must live in the caller's memory context,
  // and SPI_finish would free whatever was allocated after SPI_connect. The
  // checks read the actor through pg/index_lookup, which needs no SPI.
  // Restore mode (issue 20): restored rows are kept as they were.
  if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event) && mpg::restore_mode())
    return PointerGetDatum(trigger->tg_trigtuple);
  if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event))
    return PointerGetDatum(before_insert(trigger->tg_trigtuple, desc));
  if (TRIGGER_FIRED_BY_UPDATE(trigger->tg_event))
    return PointerGetDatum(before_update(trigger->tg_trigtuple, trigger->tg_newtuple, desc));
  throw Error(sqlstate::kInternalError, "output_workflow_before() fires on INSERT or UPDATE only");
}

MF_FUNCTION(megaforce_output_workflow_after) {
  TriggerData* trigger = mpg::row_trigger(fcinfo, "output_workflow_after");
  TupleDesc desc = trigger->tg_relation->rd_att;
  // Restore mode (issue 20): the restored history comes with the dump.
  if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event) && mpg::restore_mode()) return PointerGetDatum(nullptr);
  mpg::with_spi([&] {
    if (TRIGGER_FIRED_BY_INSERT(trigger->tg_event))
      after_insert(trigger->tg_trigtuple, desc);
    else if (TRIGGER_FIRED_BY_UPDATE(trigger->tg_event))
      after_update(trigger->tg_trigtuple, trigger->tg_newtuple, desc);
    return 0;
  });
  return PointerGetDatum(nullptr);
}

// approval_history is append-only: UPDATE, DELETE and TRUNCATE are refused.
MF_FUNCTION(megaforce_refuse_history_change) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    throw Error(sqlstate::kInternalError, "refuse_history_change() can only be called as a trigger");
  auto* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
  const char* what = TRIGGER_FIRED_BY_UPDATE(trigger->tg_event)   ? "updated"
                     : TRIGGER_FIRED_BY_DELETE(trigger->tg_event) ? "deleted"
                                                                  : "truncated";
  throw Error(sqlstate::kInsufficientPrivilege,
              std::string("approval_history is append-only: rows cannot be ") + what, {},
              "Workflow steps are recorded by the output_schemas trigger; archive an output instead of deleting it.");
}

// An output that has history cannot be deleted: archive it (23503, like the
// foreign key, but also when session_replication_role skips foreign keys).
MF_FUNCTION(megaforce_refuse_output_delete) {
  TriggerData* trigger = mpg::row_trigger(fcinfo, "refuse_output_delete");
  TupleDesc desc = trigger->tg_relation->rd_att;
  Uuid id = required_uuid(trigger->tg_trigtuple, desc, "id");
  bool has_history = mpg::with_spi([&] {
    Datum args[1] = {mpg::uuid_datum(id)};
    return mpg::execute(g_history_exists, args, nullptr, false, 1) > 0;
  });
  if (has_history)
    throw Error(sqlstate::kForeignKeyViolation,
                "output " + megaforce::to_string(id) + " has approval history and cannot be deleted", {},
                "Archive it with archive_output().");
  return PointerGetDatum(trigger->tg_trigtuple);
}
