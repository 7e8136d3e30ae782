// megaforce upgrade [head|VERSION|+N] [--sql]: CREATE EXTENSION when absent,
// else ALTER EXTENSION ... UPDATE TO, step by step, in one transaction.
#include <fmt/format.h>

#include <iostream>

#include "cli_error.hpp"
#include "context.hpp"
#include "migration.hpp"
#include "versions.hpp"

namespace megaforce::client {
namespace {

struct UpgradeOptions {
  std::string target = "head";
  bool sql = false;
  MigrationOptions migration;
};

// The version `target` names, seen from `installed`.
std::string resolve_upgrade_target(const VersionState& state, const std::string& target) {
  if (target == "head") return state.head;
  if (!target.empty() && target[0] == '+') {
    int n = 0;
    try {
      n = std::stoi(target.substr(1));
    } catch (...) {
      throw CliError(kBadInvocation, fmt::format("bad step count {}: use +N with N >= 1", target));
    }
    if (n < 1) throw CliError(kBadInvocation, fmt::format("bad step count {}: use +N with N >= 1", target));
    int from = state.installed ? state.index_of(*state.installed) : -1;
    int to = from + n;
    if (to >= static_cast<int>(state.versions.size()))
      throw CliError(kFailed, fmt::format("cannot go {} from {}: head is {}", target,
                                          state.installed ? *state.installed : "nothing", state.head));
    return state.versions[to];
  }
  if (state.index_of(target) < 0)
    throw CliError(kFailed, fmt::format("unknown version {}; the server has {}", target,
                                        fmt::join(state.versions, ", ")));
  return target;
}

}  // namespace

void add_upgrade(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<UpgradeOptions>();
  CLI::App* cmd = app.add_subcommand("upgrade", "install megaforce or bring it up to a version (default: head)");
  cmd->add_option("target", options->target, "head (default), a VERSION, or +N steps up");
  cmd->add_flag("--sql", options->sql, "print what would run; change nothing");
  cmd->add_option("--lock-timeout", options->migration.lock_timeout,
                  "how long a step may wait for a table lock before it fails (default 5s)");
  cmd->footer("Examples:\n  megaforce upgrade\n  megaforce upgrade 1.1 --sql\n  megaforce upgrade +1 --lock-timeout 30s");
  cmd->callback([&ctx, options] {
    ctx.action = [&ctx, options] {
      Connection conn = ctx.connect();
      VersionState state = VersionState::load(conn);
      std::string target = resolve_upgrade_target(state, options->target);
      if (state.installed && version_less(target, *state.installed))
        throw CliError(kFailed, fmt::format("megaforce is at {}, above {}: use megaforce downgrade {}",
                                            *state.installed, target, target));
      auto plan = [&](const std::optional<std::string>& installed) {
        if (installed && (*installed == target || version_less(target, *installed))) return std::vector<MigrationStep>{};
        std::vector<std::string> path = installed ? state.path(conn, *installed, target)
                                                  : std::vector<std::string>{target};
        return steps_along(installed, path);
      };
      options->migration.json = ctx.json;
      if (options->sql) {
        std::cout << migration_sql(plan(state.installed), options->migration);
        return kOk;
      }
      run_migration(conn, plan(state.installed), options->migration, plan);
      return kOk;
    };
  });
}

}  // namespace megaforce::client
