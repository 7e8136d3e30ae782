// The shared library's identity: the magic block and the load-time hook.
extern "C" {
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

#include "pg/settings.hpp"

extern "C" void _PG_init(void) { megaforce::pg::define_settings(); }
