// GET /: the status page a person reads at a glance. Self-contained HTML (no
// external assets, no JavaScript, refreshes itself), every value escaped.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "figures.hpp"

namespace megaforce::client {

inline constexpr int kStatusPageRefreshSeconds = 10;

// `snapshot` taken with Detail::kPage, `report` its health report, `target`
// the database as shown to people (no password).
std::string status_page(const Snapshot& snapshot, const nlohmann::json& report, const std::string& target);

// "2 h 05 min", "3 min 20 s", "12 s", "0 s".
std::string human_age(double seconds);

}  // namespace megaforce::client
