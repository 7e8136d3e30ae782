// The health report of SPEC §7, in the application/health+json shape:
// status pass | warn | fail and one array of measurements per check.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "figures.hpp"

namespace CLI {
class App;
}

namespace megaforce::client {

// Above these ages (seconds) a check turns to warn.
struct HealthThresholds {
  double queued_age = 300;       // --warn-queued-age: the oldest due queued run waits this long
  double transaction_age = 300;  // --warn-xact-age: a transaction holds back vacuum this long
};

// --warn-queued-age and --warn-xact-age, for health and serve.
void add_threshold_options(CLI::App& command, HealthThresholds& thresholds);

// The report of a snapshot (taken with at least Detail::kHealth).
nlohmann::json health_report(const Snapshot& snapshot, const HealthThresholds& thresholds);

// pg_isready-like exit code of a report: 0 pass, 1 warn or fail while
// connected, 2 no connection.
int health_exit_code(const nlohmann::json& report);

// One measurement as people read it: "installed 1.2", "12.5 ms", "3".
std::string measurement_text(const nlohmann::json& measurement);

// The human form of a report: one line per check.
std::string health_text(const nlohmann::json& report);

}  // namespace megaforce::client
