// megaforce health [--json]: connects and measures (health.hpp); exits like
// pg_isready: 0 pass, 1 warn or fail while connected, 2 no connection.
#include <iostream>
#include <optional>

#include "cli_error.hpp"
#include "context.hpp"
#include "health.hpp"

namespace megaforce::client {

void add_health(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("health", "connection, latency, server, extension and queue health");
  cmd->footer("Examples:\n  megaforce health\n  megaforce health --json\nExit: 0 pass, 1 warn/fail while connected, 2 no connection.");
  cmd->callback([&ctx] {
    ctx.action = [&ctx] {
      std::optional<Connection> conn;
      std::string error;
      try {
        conn.emplace(ctx.connect());
      } catch (const CliError& e) {
        error = e.what();
      }
      nlohmann::json report = health_report(conn ? &*conn : nullptr, error);
      if (ctx.json) std::cout << report.dump(2) << "\n";
      else std::cout << health_text(report);
      int code = health_exit_code(report);
      if (code == kNoConnection) std::cerr << "megaforce: " << error << "\n";
      return code;
    };
  });
}

}  // namespace megaforce::client
