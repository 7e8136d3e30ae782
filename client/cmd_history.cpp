// megaforce history: every version, the steps between them, current and
// head marked, and when each step was applied (migration_log). Works without
// the extension installed.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli_error.hpp"
#include "context.hpp"
#include "versions.hpp"

namespace megaforce::client {

void add_history(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("history", "every version, the steps between them, and when each step was applied");
  cmd->footer("Example: megaforce history --json");
  cmd->callback([&ctx] {
    ctx.action = [&ctx] {
      Connection conn = ctx.connect();
      VersionState state = VersionState::load(conn);
      nlohmann::json applied = nlohmann::json::array();
      if (state.installed) {
        Result log = conn.exec(
            "SELECT from_version, to_version, "
            "       pg_catalog.to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', applied_by "
            "FROM megaforce.migration_log ORDER BY id");
        for (int i = 0; i < log.rows(); ++i)
          applied.push_back({{"from", log.is_null(i, 0) ? nlohmann::json(nullptr) : nlohmann::json(log.text(i, 0))},
                             {"to", log.text(i, 1)},
                             {"applied_at", log.text(i, 2)},
                             {"applied_by", log.text(i, 3)}});
      }
      if (ctx.json) {
        nlohmann::json versions = nlohmann::json::array();
        for (const std::string& v : state.versions)
          versions.push_back({{"version", v}, {"current", state.installed && *state.installed == v}, {"head", v == state.head}});
        nlohmann::json steps = nlohmann::json::array();
        for (const auto& [from, to] : state.steps) steps.push_back({{"from", from}, {"to", to}});
        std::cout << nlohmann::json{{"versions", versions}, {"steps", steps}, {"applied", applied}}.dump(2) << "\n";
        return kOk;
      }
      std::cout << "versions (oldest first):\n";
      for (const std::string& v : state.versions) {
        std::string marks;
        if (state.installed && *state.installed == v) marks += " (current)";
        if (v == state.head) marks += " (head)";
        std::string steps;
        for (const auto& [from, to] : state.steps)
          if (from == v) steps += (steps.empty() ? "steps: " : ", ") + from + " -> " + to;
        std::cout << fmt::format("  {:<24} {}\n", v + marks, steps);
      }
      if (!state.installed) {
        std::cout << "megaforce is not installed in this database (megaforce upgrade installs head)\n";
        return kOk;
      }
      std::cout << "applied (migration_log):\n";
      for (const auto& row : applied) {
        std::string step = row["from"].is_null() ? "install " + row["to"].get<std::string>()
                                                 : row["from"].get<std::string>() + " -> " + row["to"].get<std::string>();
        std::cout << fmt::format("  {}  {:<14} by {}\n", row["applied_at"].get<std::string>(), step,
                                 row["applied_by"].get<std::string>());
      }
      return kOk;
    };
  });
}

}  // namespace megaforce::client
