// The health report of SPEC §7, in the application/health+json shape:
// status pass | warn | fail and one array of measurements per check.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "pg.hpp"

namespace megaforce::client {

// Measures over `conn`; `conn` null (or broken) = no connection (status fail),
// with `connect_error` saying why.
nlohmann::json health_report(const Connection* conn, const std::string& connect_error);

// pg_isready-like exit code of a report: 0 pass, 1 warn or fail while
// connected, 2 no connection.
int health_exit_code(const nlohmann::json& report);

// The human form of a report: one line per check.
std::string health_text(const nlohmann::json& report);

}  // namespace megaforce::client
