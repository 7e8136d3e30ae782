extern "C" {
#include "postgres.h"
#include "utils/guc.h"
}

#include "pg/settings.hpp"

namespace megaforce::pg {

namespace {
bool g_notify = true;
char* g_actor_id = nullptr;
char* g_comment = nullptr;
}  // namespace

void define_settings() {
  DefineCustomBoolVariable(
      "megaforce.notify",
      "Sends NOTIFY megaforce_outputs / megaforce_runs for committed changes.",
      "Turn off for sessions nobody listens to: PostgreSQL serializes the "
      "commits of notifying transactions.",
      &g_notify, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  // The actor and comment of a plain UPDATE of output_schemas (SPEC §3),
  // meant to be set with SET LOCAL; validated where they are used, so that a
  // bad value is refused with the workflow's SQLSTATE (42501), not at SET.
  DefineCustomStringVariable("megaforce.actor_id",
                             "The user (uuid) acting in this transaction's workflow changes.",
                             nullptr, &g_actor_id, "", PGC_USERSET, 0, nullptr, nullptr,
                             nullptr);
  DefineCustomStringVariable("megaforce.comment",
                             "The comment recorded with this transaction's workflow changes.",
                             nullptr, &g_comment, "", PGC_USERSET, 0, nullptr, nullptr,
                             nullptr);
  MarkGUCPrefixReserved("megaforce");
}

bool notify_enabled() { return g_notify; }
const char* actor_id_setting() { return g_actor_id ? g_actor_id : ""; }
const char* comment_setting() { return g_comment ? g_comment : ""; }

}  // namespace megaforce::pg
