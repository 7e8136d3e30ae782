// Running a migration (upgrade, downgrade, reset): one transaction, an
// advisory lock so two operators cannot migrate at once, lock_timeout so a
// step waiting on a busy table fails fast, one ALTER EXTENSION per step with
// its duration printed. When a step fails the transaction rolls back and the
// database stays at its old version.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pg.hpp"

namespace megaforce::client {

struct MigrationStep {
  std::optional<std::string> from;  // nullopt: CREATE EXTENSION
  std::optional<std::string> to;    // nullopt: DROP EXTENSION
  std::string sql;
};

// The steps to take from the version installed (nullopt: none).
using MigrationPlanner = std::function<std::vector<MigrationStep>(const std::optional<std::string>&)>;

// The steps that take the database from `installed` along `path` (versions,
// the first being the installed one unless nothing is installed).
std::vector<MigrationStep> steps_along(const std::optional<std::string>& installed,
                                       const std::vector<std::string>& path);

struct MigrationOptions {
  std::string lock_timeout = "5s";
  bool json = false;
  bool print_sql = false;  // --sql: print what would run, change nothing
};

// --sql and --lock-timeout, shared by upgrade and downgrade.
void add_migration_options(CLI::App* command, MigrationOptions& options);

// Prints the plan for `installed` (--sql) or runs it (run_migration).
int migrate(const Connection& conn, const std::optional<std::string>& installed, const MigrationOptions& options,
            const MigrationPlanner& plan);

// The statements run_migration() would send, for --sql.
std::string migration_sql(const std::vector<MigrationStep>& steps, const MigrationOptions& options);

// Runs a migration in one transaction; `plan` is called once the advisory
// lock is held, with the version installed then, and returns the steps to do
// (another operator may have migrated meanwhile). Prints each step.
void run_migration(const Connection& conn, const MigrationOptions& options, const MigrationPlanner& plan);

}  // namespace megaforce::client
