// Health measurements (see health.hpp).
#include "health.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>

#include "cli_error.hpp"
#include "versions.hpp"

namespace megaforce::client {
namespace {

using nlohmann::json;

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buffer, static_cast<int>(ms));
}

json measurement(json value, const char* unit, const char* status, const std::string& time) {
  json m = {{"observedValue", std::move(value)}, {"status", status}, {"time", time}};
  if (unit) m["observedUnit"] = unit;
  return m;
}

const char* worse(const char* a, const char* b) {
  auto rank = [](const std::string& s) { return s == "fail" ? 2 : s == "warn" ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace

json health_report(const Connection* conn, const std::string& connect_error) {
  std::string time = now_rfc3339();
  json report = {{"status", "pass"}, {"description", "megaforce database health"}, {"checks", json::object()}};
  json& checks = report["checks"];
  if (!conn || !conn->ok()) {
    report["status"] = "fail";
    report["output"] = connect_error.empty() ? "no connection" : connect_error;
    checks["postgres:responseTime"] = json::array({measurement(nullptr, "ms", "fail", time)});
    return report;
  }
  const char* status = "pass";
  std::vector<std::string> notes;
  try {
    auto start = std::chrono::steady_clock::now();
    conn->exec("SELECT 1");
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    checks["postgres:responseTime"] =
        json::array({measurement(std::round(ms * 1000) / 1000, "ms", "pass", time)});

    Result server = conn->exec(
        "SELECT pg_catalog.current_setting('server_version'), pg_catalog.pg_is_in_recovery(), "
        "       (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'megaforce'), "
        "       (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'megaforce')");
    checks["postgres:version"] = json::array({measurement(server.text(0, 0), nullptr, "pass", time)});
    checks["postgres:recovery"] = json::array({measurement(server.boolean(0, 1), nullptr, "pass", time)});

    std::optional<std::string> head = server.optional_text(0, 2);
    std::optional<std::string> installed = server.optional_text(0, 3);
    const char* version_status = "pass";
    if (!installed) {
      version_status = "warn";
      notes.push_back("megaforce is not installed (run: megaforce upgrade)");
    } else if (head && *installed != *head) {
      version_status = "warn";
      notes.push_back(version_less(*installed, *head)
                          ? fmt::format("megaforce {} is behind head {} (run: megaforce upgrade)", *installed, *head)
                          : fmt::format("megaforce {} is ahead of the server's head {}", *installed, *head));
    }
    json installed_m = measurement(installed ? json(*installed) : json(nullptr), nullptr, version_status, time);
    installed_m["componentId"] = "installed";
    json head_m = measurement(head ? json(*head) : json(nullptr), nullptr, version_status, time);
    head_m["componentId"] = "head";
    checks["megaforce:version"] = json::array({installed_m, head_m});
    status = worse(status, version_status);

    if (installed) {
      Result queue = conn->exec(
          "SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'running'), "
          "       count(*) FILTER (WHERE status = 'running' AND lease_expires_at < pg_catalog.now()) "
          "FROM megaforce.runs WHERE status IN ('queued', 'running')");
      checks["runs:queued"] = json::array({measurement(queue.integer(0, 0), "runs", "pass", time)});
      checks["runs:running"] = json::array({measurement(queue.integer(0, 1), "runs", "pass", time)});
      long long expired = queue.integer(0, 2);
      // Expired leases come back with reap_expired_runs(); many at once is worth a look.
      checks["runs:expiredLeases"] = json::array({measurement(expired, "runs", "pass", time)});
    }
  } catch (const std::exception& e) {
    status = "fail";
    notes.push_back(fmt::format("a health query failed: {}", e.what()));
  }
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

std::string health_text(const json& report) {
  std::string out = fmt::format("status: {}\n", report["status"].get<std::string>());
  if (report.contains("output")) out += fmt::format("  {}\n", report["output"].get<std::string>());
  for (const auto& [name, measurements] : report["checks"].items()) {
    std::string values;
    for (const json& m : measurements) {
      std::string value = m["observedValue"].is_string() ? m["observedValue"].get<std::string>()
                                                         : m["observedValue"].dump();
      if (m.contains("componentId")) value = m["componentId"].get<std::string>() + " " + value;
      if (m.contains("observedUnit") && m["observedUnit"] != "runs") value += " " + m["observedUnit"].get<std::string>();
      values += (values.empty() ? "" : ", ") + value;
    }
    out += fmt::format("  {:<22} {}\n", name, values);
  }
  return out;
}

}  // namespace megaforce::client
