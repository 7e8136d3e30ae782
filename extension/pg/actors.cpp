#include "pg/actors.hpp"

extern "C" {
#include "postgres.h"
}

#include "pg/index_lookup.hpp"
#include "pg/spi.hpp"

namespace megaforce::pg {

namespace {
constexpr IndexLookup kUserById{"users", "users_pkey", false};
constexpr const char* kActorColumns[] = {"role", "is_active"};
}  // namespace

std::optional<approval::Actor> lookup_actor(const Uuid& id, const std::optional<Uuid>& owner) {
  Datum values[2];
  bool nulls[2];
  if (!lookup_row(kUserById, id, kActorColumns, 2, values, nulls)) return std::nullopt;
  std::string role = nulls[0] ? std::string() : text_of(values[0]);
  bool active = !nulls[1] && DatumGetBool(values[1]);
  approval::Actor actor;
  actor.id = to_string(id);
  actor.role = approval::parse_role(role).value_or(approval::Role::kViewer);
  actor.active = active;
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
