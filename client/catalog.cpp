// Catalog capture and comparison (see catalog.hpp).
#include "catalog.hpp"

#include "embedded_catalogs.hpp"

namespace megaforce::client {
namespace {

Catalog from_json(const nlohmann::json& rows) {
  Catalog catalog;
  for (const auto& row : rows) catalog[{row[0].get<std::string>(), row[1].get<std::string>()}] = row[2].get<std::string>();
  return catalog;
}

}  // namespace

Catalog live_catalog(const Connection& conn) {
  // Names print the same whatever the caller's search_path is.
  conn.exec("SET search_path = pg_catalog");
  Result rows = conn.exec(std::string("SELECT kind, name, coalesce(definition, '') FROM (") + schema_catalog_sql() +
                          ") catalog");
  conn.exec("RESET search_path");
  Catalog catalog;
  for (int i = 0; i < rows.rows(); ++i) catalog[{rows.text(i, 0), rows.text(i, 1)}] = rows.text(i, 2);
  return catalog;
}

std::optional<Catalog> expected_catalog(const std::string& version) {
  for (const EmbeddedCatalog& c : embedded_catalogs())
    if (version == c.version) return from_json(nlohmann::json::parse(c.json));
  return std::nullopt;
}

std::vector<std::string> known_catalog_versions() {
  std::vector<std::string> out;
  for (const EmbeddedCatalog& c : embedded_catalogs()) out.push_back(c.version);
  return out;
}

nlohmann::json catalog_json(const Catalog& catalog) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [key, definition] : catalog) rows.push_back({key.first, key.second, definition});
  return rows;
}

std::vector<Drift> compare_catalogs(const Catalog& expected, const Catalog& actual) {
  std::vector<Drift> drift;
  for (const auto& [key, definition] : expected) {
    auto it = actual.find(key);
    if (it == actual.end()) drift.push_back({"missing", key.first, key.second, definition, std::nullopt});
    else if (it->second != definition) drift.push_back({"changed", key.first, key.second, definition, it->second});
  }
  for (const auto& [key, definition] : actual)
    if (!expected.count(key)) drift.push_back({"unexpected", key.first, key.second, std::nullopt, definition});
  return drift;
}

}  // namespace megaforce::client
