// megaforce downgrade [-N|VERSION|base] [--sql] [--yes]: follows the
// downgrade scripts; below the lowest version is DROP EXTENSION, which
// deletes every megaforce row and so needs --yes.
#include <fmt/format.h>

#include <iostream>

#include "cli_error.hpp"
#include "context.hpp"
#include "migration.hpp"
#include "versions.hpp"

namespace megaforce::client {
namespace {

struct DowngradeOptions {
  std::string target = "-1";
  bool yes = false;
  MigrationOptions migration;
};

// The version `target` names below `installed`; nullopt = drop the extension.
std::optional<std::string> resolve_downgrade_target(const VersionState& state, const std::string& installed,
                                                    const std::string& target) {
  if (target == "base") return std::nullopt;
  if (!target.empty() && target[0] == '-') {
    int n = parse_step_count(target, '-');
    int to = state.index_of(installed) - n;
    if (to < -1) throw CliError(kFailed, fmt::format("cannot go {} from {}: only {} versions below",
                                                     target, installed, state.index_of(installed)));
    if (to == -1) return std::nullopt;
    return state.versions[to];
  }
  state.known(target);
  if (version_less(installed, target))
    throw CliError(kFailed, fmt::format("megaforce is at {}, below {}: use megaforce upgrade {}", installed, target, target));
  return target;
}

}  // namespace

void add_downgrade(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<DowngradeOptions>();
  CLI::App* cmd = app.add_subcommand("downgrade", "take megaforce down to an earlier version (default: one step)");
  cmd->add_option("target", options->target, "-N steps down (default -1), a VERSION, or base (drop the extension)")
      ->allow_extra_args(false);
  add_migration_options(cmd, options->migration);
  cmd->add_flag("--yes", options->yes, "allow dropping the extension (base, or -1 at the lowest version)");
  cmd->footer("Examples:\n  megaforce downgrade\n  megaforce downgrade 1.0 --sql\n  megaforce downgrade base --yes   (drops every megaforce table!)");
  cmd->callback([&ctx, options] {
    ctx.action = [&ctx, options] {
      Connection conn = ctx.connect();
      VersionState state = VersionState::load(conn);
      if (!state.installed) throw CliError(kFailed, "megaforce is not installed: nothing to downgrade");
      std::optional<std::string> target = resolve_downgrade_target(state, *state.installed, options->target);
      if (!target && !options->yes && !options->migration.print_sql)
        throw CliError(kFailed, fmt::format("going below {} drops the extension and every megaforce row; "
                                            "add --yes if that is what you want", state.versions.front()));
      auto plan = [&](const std::optional<std::string>& installed) {
        std::vector<MigrationStep> steps;
        if (!installed) return steps;
        if (target && (*installed == *target || version_less(*installed, *target))) return steps;
        std::string lowest = target ? *target : state.versions.front();
        steps = steps_along(installed, state.path(conn, *installed, lowest));
        if (!target) steps.push_back({lowest, std::nullopt, "DROP EXTENSION megaforce"});
        return steps;
      };
      options->migration.json = ctx.json;
      return migrate(conn, state.installed, options->migration, plan);
    };
  });
}

}  // namespace megaforce::client
