// megaforce health [--json] [--warn-queued-age S] [--warn-xact-age S]:
// connects and measures (figures.hpp, health.hpp); exits like pg_isready:
// 0 pass, 1 warn or fail while connected, 2 no connection.
#include <iostream>
#include <memory>
#include <optional>

#include "cli_error.hpp"
#include "context.hpp"
#include "health.hpp"

namespace megaforce::client {

void add_health(CLI::App& app, Context& ctx) {
  auto thresholds = std::make_shared<HealthThresholds>();
  CLI::App* cmd = app.add_subcommand("health", "connection, latency, server, extension and queue health");
  add_threshold_options(*cmd, *thresholds);
  cmd->footer(
      "Checks: postgres:responseTime, postgres:version, postgres:recovery, megaforce:version, runs:queued,\n"
      "runs:running, runs:expiredLeases, runs:oldestQueuedAge (warn above --warn-queued-age, default 300 s),\n"
      "postgres:oldestTransactionAge (warn above --warn-xact-age, default 300 s: an open transaction with a\n"
      "transaction id or snapshot keeps vacuum from cleaning the queue; other roles' sessions need pg_monitor).\n"
      "Examples:\n  megaforce health\n  megaforce health --json --warn-xact-age 60\n"
      "Exit: 0 pass, 1 warn/fail while connected, 2 no connection.");
  cmd->callback([&ctx, thresholds] {
    ctx.action = [&ctx, thresholds] {
      std::optional<Connection> conn;
      std::string error;
      try {
        conn.emplace(ctx.connect());
      } catch (const CliError& e) {
        error = e.what();
      }
      nlohmann::json report =
          health_report(take_snapshot(conn ? &*conn : nullptr, error, Detail::kHealth), *thresholds);
      if (ctx.json) std::cout << report.dump(2) << "\n";
      else std::cout << health_text(report);
      int code = health_exit_code(report);
      if (code == kNoConnection) std::cerr << "megaforce: " << error << "\n";
      return code;
    };
  });
}

}  // namespace megaforce::client
