// Looking up the acting user of a workflow or run-control step.
#pragma once

#include <optional>
#include <string>

#include "core/approval.hpp"
#include "core/uuid.hpp"

namespace megaforce::pg {

// The user `id` as an approval::Actor (nullopt when there is no such user);
// `owner` marks whether that user owns the object acted on. Needs SPI.
std::optional<approval::Actor> lookup_actor(const Uuid& id, const std::optional<Uuid>& owner);

// The actor named by text (a setting or argument): nullopt when the text is
// empty, not a uuid, or names no user. `owner` as above.
std::optional<approval::Actor> lookup_actor_text(const std::string& text,
                                                 const std::optional<Uuid>& owner);

}  // namespace megaforce::pg
