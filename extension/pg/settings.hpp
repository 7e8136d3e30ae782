// The megaforce.* configuration settings (GUCs).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace megaforce::pg {

// Registers every megaforce.* setting; called once from _PG_init.
void define_settings();

// megaforce.notify: send NOTIFY for committed changes (SPEC §3, §4).
bool notify_enabled();

// megaforce.actor_id and megaforce.comment as set (empty when not set).
const char* actor_id_setting();
const char* comment_setting();

// megaforce.databases (as set) and megaforce.tick_interval (milliseconds).
const char* databases_setting();
int tick_interval_ms();

// megaforce.run_retention / megaforce.failed_run_retention in microseconds
// (0 = keep forever), and megaforce.restoring (issue 20).
int64 run_retention_usec();
int64 failed_run_retention_usec();
bool restoring();
// Whether megaforce.restoring's value came from ALTER DATABASE ... SET (at
// connection start: post_restore() may have reset it since).
bool restoring_from_database();

}  // namespace megaforce::pg
