// Generated at build time by client/embed_catalogs.cmake from
// client/schema_catalog.sql and client/catalogs/*.json.
#pragma once

#include <vector>

namespace megaforce::client {

struct EmbeddedCatalog {
  const char* version;
  const char* json;  // [[kind, name, definition], ...] of a fresh install
};

const std::vector<EmbeddedCatalog>& embedded_catalogs();
const char* schema_catalog_sql();

}  // namespace megaforce::client
