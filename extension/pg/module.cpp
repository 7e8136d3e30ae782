// The shared library's identity: the magic block and the load-time hook.
extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

#include "pg/scheduler.hpp"
#include "pg/settings.hpp"

extern "C" void _PG_init(void) {
  megaforce::pg::define_settings();
  // The scheduler needs a worker slot per database, which only
  // shared_preload_libraries can reserve.
  if (process_shared_preload_libraries_in_progress) megaforce::pg::register_scheduler_workers();
}
