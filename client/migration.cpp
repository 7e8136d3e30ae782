// Migrations in one transaction (see migration.hpp).
#include "migration.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

#include "cli_error.hpp"
#include "core/migration_lock.hpp"

namespace megaforce::client {
namespace {

// The migration lock, held until the migration commits.
const std::string kMigrationLock =
    "SELECT pg_catalog.pg_advisory_xact_lock(" + std::to_string(megaforce::kMigrationLockKey) + ")";

std::string quote_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string describe(const MigrationStep& step) {
  if (!step.from) return fmt::format("install {}", *step.to);
  if (!step.to) return fmt::format("drop {}", *step.from);
  return fmt::format("{} -> {}", *step.from, *step.to);
}

}  // namespace

std::vector<MigrationStep> steps_along(const std::optional<std::string>& installed,
                                       const std::vector<std::string>& path) {
  std::vector<MigrationStep> steps;
  std::size_t i = 0;
  if (!installed) {
    if (path.empty()) return steps;
    steps.push_back({std::nullopt, path[0],
                     fmt::format("CREATE EXTENSION megaforce VERSION {}", quote_literal(path[0]))});
    i = 0;
  }
  for (; i + 1 < path.size(); ++i)
    steps.push_back({path[i], path[i + 1],
                     fmt::format("ALTER EXTENSION megaforce UPDATE TO {}", quote_literal(path[i + 1]))});
  return steps;
}

std::string migration_sql(const std::vector<MigrationStep>& steps, const MigrationOptions& options) {
  std::string out = "BEGIN;\n";
  out += fmt::format("SET LOCAL lock_timeout = {};\n", quote_literal(options.lock_timeout));
  out += kMigrationLock + ";\n";
  for (const MigrationStep& step : steps) out += fmt::format("-- {}\n{};\n", describe(step), step.sql);
  return out + "COMMIT;\n";
}

void run_migration(const Connection& conn, const MigrationOptions& options, const MigrationPlanner& plan) {
  nlohmann::json report = nlohmann::json::array();
  conn.exec("BEGIN");
  try {
    // The advisory lock first, with no timeout: a second operator waits for
    // the first and then finds what is left to do.
    conn.exec(kMigrationLock);
    conn.exec(fmt::format("SET LOCAL lock_timeout = {}", quote_literal(options.lock_timeout)));
    Result now = conn.exec("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'megaforce'");
    std::optional<std::string> installed = now.rows() ? now.optional_text(0, 0) : std::nullopt;
    std::vector<MigrationStep> steps = plan(installed);
    if (steps.empty()) {
      conn.exec("ROLLBACK");
      if (options.json)
        std::cout << nlohmann::json{{"version", installed ? nlohmann::json(*installed) : nullptr},
                                    {"steps", report}}.dump(2) << "\n";
      else
        std::cout << fmt::format("megaforce is at {}: nothing to do\n", installed ? *installed : "no version (not installed)");
      return;
    }
    for (const MigrationStep& step : steps) {
      auto start = std::chrono::steady_clock::now();
      try {
        conn.exec(step.sql);
      } catch (const DbError& e) {
        std::string why = e.what();
        if (e.sqlstate() == "55P03")
          why += fmt::format(" (waited lock_timeout {} for a busy table; retry when it is quieter, or raise --lock-timeout)",
                             options.lock_timeout);
        throw CliError(kFailed, fmt::format("step {} failed: {}; nothing was changed, megaforce is still at {}",
                                            describe(step), why, installed ? *installed : "no version"));
      }
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (options.json)
        report.push_back({{"from", step.from ? nlohmann::json(*step.from) : nullptr},
                          {"to", step.to ? nlohmann::json(*step.to) : nullptr},
                          {"ms", static_cast<long long>(ms + 0.5)}});
      else
        std::cout << fmt::format("{:<12} {:>6.0f} ms\n", describe(step), ms) << std::flush;
    }
    conn.exec("COMMIT");
    if (options.json) {
      std::optional<std::string> to = steps.back().to;
      std::cout << nlohmann::json{{"version", to ? nlohmann::json(*to) : nullptr}, {"steps", report}}.dump(2) << "\n";
    }
  } catch (...) {
    try {
      conn.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

void add_migration_options(CLI::App* command, MigrationOptions& options) {
  command->add_flag("--sql", options.print_sql, "print what would run; change nothing");
  command->add_option("--lock-timeout", options.lock_timeout,
                      "how long a step may wait for a table lock before it fails (default 5s)");
}

int migrate(const Connection& conn, const std::optional<std::string>& installed, const MigrationOptions& options,
            const MigrationPlanner& plan) {
  if (options.print_sql) std::cout << migration_sql(plan(installed), options);
  else run_migration(conn, options, plan);
  return kOk;
}

}  // namespace megaforce::client
