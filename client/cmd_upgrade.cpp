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
  MigrationOptions migration;
};

// The version `target` names, seen from `installed`.
std::string resolve_upgrade_target(const VersionState& state, const std::string& target) {
  if (target == "head") return state.head;
  if (!target.empty() && target[0] == '+') {
    int n = parse_step_count(target, '+');
    int from = state.installed ? state.index_of(*state.installed) : -1;
    int to = from + n;
    if (to >= static_cast<int>(state.versions.size()))
      throw CliError(kFailed, fmt::format("cannot go {} from {}: head is {}", target,
                                          state.installed ? *state.installed : "nothing", state.head));
    return state.versions[to];
  }
  return state.known(target);
}

}  // namespace

void add_upgrade(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<UpgradeOptions>();
  CLI::App* cmd = app.add_subcommand("upgrade", "install megaforce or bring it up to a version (default: head)");
  cmd->add_option("target", options->target, "head (default), a VERSION, or +N steps up");
  add_migration_options(cmd, options->migration);
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
      return migrate(conn, state.installed, options->migration, plan);
    };
  });
}

}  // namespace megaforce::client
