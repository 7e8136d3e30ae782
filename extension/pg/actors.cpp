#include "pg/actors.hpp"

extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
}

#include "pg/spi.hpp"

namespace megaforce::pg {

namespace {
KeptPlan g_find_user{"SELECT role, is_active FROM megaforce.users WHERE id = $1", 1, {UUIDOID}};
}

std::optional<approval::Actor> lookup_actor(const Uuid& id, const std::optional<Uuid>& owner) {
  Datum args[1] = {uuid_datum(id)};
  if (execute(g_find_user, args, nullptr, false, 1) == 0) return std::nullopt;
  HeapTuple row = SPI_tuptable->vals[0];
  TupleDesc desc = SPI_tuptable->tupdesc;
  bool role_null = false, active_null = false;
  std::string role = text_of(SPI_getbinval(row, desc, 1, &role_null));
  bool active = DatumGetBool(SPI_getbinval(row, desc, 2, &active_null));
  approval::Actor actor;
  actor.id = to_string(id);
  actor.role = approval::parse_role(role).value_or(approval::Role::kViewer);
  actor.active = active && !active_null;
  actor.is_owner = owner && *owner == id;
  return actor;
}

std::optional<approval::Actor> lookup_actor_text(const std::string& text,
                                                 const std::optional<Uuid>& owner) {
  if (text.empty()) return std::nullopt;
  std::optional<Uuid> id = parse_uuid(text);
  if (!id) return std::nullopt;
  return lookup_actor(*id, owner);
}

}  // namespace megaforce::pg
