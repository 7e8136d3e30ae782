// The health report of a snapshot (see health.hpp).
#include "health.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>

#include "cli_error.hpp"
#include "versions.hpp"

namespace megaforce::client {
namespace {

using nlohmann::json;

json measurement(json value, const char* unit, const char* status, const std::string& time) {
  json m = {{"observedValue", std::move(value)}, {"status", status}, {"time", time}};
  if (unit) m["observedUnit"] = unit;
  return m;
}

const char* worse(const char* a, const char* b) {
  auto rank = [](const std::string& s) { return s == "fail" ? 2 : s == "warn" ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

double seconds(double value) { return std::round(value * 1000) / 1000; }

}  // namespace

void add_threshold_options(CLI::App& command, HealthThresholds& thresholds) {
  command.add_option("--warn-queued-age", thresholds.queued_age,
                     "warn when the oldest due queued run has waited longer than this many seconds")
      ->default_val(thresholds.queued_age)
      ->check(CLI::NonNegativeNumber);
  command.add_option("--warn-xact-age", thresholds.transaction_age,
                     "warn when a transaction has held back vacuum longer than this many seconds")
      ->default_val(thresholds.transaction_age)
      ->check(CLI::NonNegativeNumber);
}

json health_report(const Snapshot& snap, const HealthThresholds& thresholds) {
  const std::string& time = snap.time;
  json report = {{"status", "pass"}, {"description", "megaforce database health"}, {"checks", json::object()}};
  json& checks = report["checks"];
  if (!snap.connected) {
    report["status"] = "fail";
    report["output"] = snap.connect_error;
    checks["postgres:responseTime"] = json::array({measurement(nullptr, "ms", "fail", time)});
    return report;
  }
  const char* status = "pass";
  std::vector<std::string> notes;
  checks["postgres:responseTime"] = json::array({measurement(snap.response_ms, "ms", "pass", time)});
  if (!snap.server_version.empty()) {
    checks["postgres:version"] = json::array({measurement(snap.server_version, nullptr, "pass", time)});
    checks["postgres:recovery"] = json::array({measurement(snap.recovery, nullptr, "pass", time)});

    const char* version_status = "pass";
    if (!snap.installed) {
      version_status = "warn";
      notes.push_back("megaforce is not installed (run: megaforce upgrade)");
    } else if (snap.head && *snap.installed != *snap.head) {
      version_status = "warn";
      notes.push_back(version_less(*snap.installed, *snap.head)
                          ? fmt::format("megaforce {} is behind head {} (run: megaforce upgrade)", *snap.installed,
                                        *snap.head)
                          : fmt::format("megaforce {} is ahead of the server's head {}", *snap.installed, *snap.head));
    }
    json installed_m =
        measurement(snap.installed ? json(*snap.installed) : json(nullptr), nullptr, version_status, time);
    installed_m["componentId"] = "installed";
    json head_m = measurement(snap.head ? json(*snap.head) : json(nullptr), nullptr, version_status, time);
    head_m["componentId"] = "head";
    checks["megaforce:version"] = json::array({installed_m, head_m});
    status = worse(status, version_status);
  }

  const char* xact_status = snap.oldest_transaction_age > thresholds.transaction_age ? "warn" : "pass";
  checks["postgres:oldestTransactionAge"] =
      json::array({measurement(seconds(snap.oldest_transaction_age), "s", xact_status, time)});
  if (*xact_status == 'w')
    notes.push_back(fmt::format("a transaction has been open for {:.0f} s (over {} s): it keeps vacuum from "
                                "cleaning the queue; see pg_stat_activity",
                                snap.oldest_transaction_age, thresholds.transaction_age));
  status = worse(status, xact_status);

  if (snap.installed) {
    checks["runs:queued"] = json::array({measurement(snap.queue.queued, "runs", "pass", time)});
    checks["runs:running"] = json::array({measurement(snap.queue.running, "runs", "pass", time)});
    // Expired leases come back with reap_expired_runs(); many at once is worth a look.
    checks["runs:expiredLeases"] = json::array({measurement(snap.queue.expired_leases, "runs", "pass", time)});
    const char* queued_status = snap.queue.oldest_queued_age > thresholds.queued_age ? "warn" : "pass";
    checks["runs:oldestQueuedAge"] =
        json::array({measurement(seconds(snap.queue.oldest_queued_age), "s", queued_status, time)});
    if (*queued_status == 'w')
      notes.push_back(fmt::format("the oldest due queued run has waited {:.0f} s (over {} s): are workers claiming?",
                                  snap.queue.oldest_queued_age, thresholds.queued_age));
    status = worse(status, queued_status);
  }
  for (const std::string& e : snap.errors) notes.push_back(fmt::format("a health query failed: {}", e));
  if (!snap.errors.empty()) status = "fail";

  report["status"] = status;
  if (!notes.empty()) {
    std::string joined;
    for (const std::string& n : notes) joined += (joined.empty() ? "" : "; ") + n;
    report["output"] = joined;
  }
  return report;
}

int health_exit_code(const json& report) {
  const json& response = report["checks"]["postgres:responseTime"];
  bool connected = response.is_array() && !response.empty() && !response[0]["observedValue"].is_null();
  if (!connected) return kNoConnection;
  return report["status"] == "pass" ? kOk : kFailed;
}

std::string measurement_text(const json& m) {
  std::string value = m["observedValue"].is_string() ? m["observedValue"].get<std::string>() : m["observedValue"].dump();
  if (m.contains("componentId")) value = m["componentId"].get<std::string>() + " " + value;
  if (m.contains("observedUnit") && m["observedUnit"] != "runs") value += " " + m["observedUnit"].get<std::string>();
  return value;
}

std::string health_text(const json& report) {
  std::string out = fmt::format("status: {}\n", report["status"].get<std::string>());
  if (report.contains("output")) out += fmt::format("  {}\n", report["output"].get<std::string>());
  for (const auto& [name, measurements] : report["checks"].items()) {
    std::string values;
    for (const json& m : measurements) {
      std::string value = measurement_text(m);
      if (m["status"] != "pass") value += " (" + m["status"].get<std::string>() + ")";
      values += (values.empty() ? "" : ", ") + value;
    }
    out += fmt::format("  {:<30} {}\n", name, values);
  }
  return out;
}

}  // namespace megaforce::client
