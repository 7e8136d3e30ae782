// The extension's catalog (client/schema_catalog.sql) and the catalogs of
// fresh installs of every known version (client/catalogs/VERSION.json,
// embedded at build time), for `megaforce check`.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pg.hpp"

namespace megaforce::client {

// (kind, name) -> definition
using Catalog = std::map<std::pair<std::string, std::string>, std::string>;

Catalog live_catalog(const Connection& conn);
// The catalog a fresh install of `version` has; nullopt for a version this
// client was built without.
std::optional<Catalog> expected_catalog(const std::string& version);
std::vector<std::string> known_catalog_versions();

nlohmann::json catalog_json(const Catalog& catalog);

struct Drift {
  std::string change;  // missing | unexpected | changed
  std::string kind, name;
  std::optional<std::string> expected, actual;
};
std::vector<Drift> compare_catalogs(const Catalog& expected, const Catalog& actual);

}  // namespace megaforce::client
