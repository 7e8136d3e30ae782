// megaforce check: the live schema against what the installed version
// defines. The expected shape of every version is the catalog of a fresh
// install of it (client/catalogs/VERSION.json, written by `scripts/dev
// catalogs` and kept current by the tests), built into the client; the live
// one is read with the same query (client/schema_catalog.sql). Owners and
// grants are deployment choices and are not compared. Read-only, so it
// works on a hot standby.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "catalog.hpp"
#include "cli_error.hpp"
#include "context.hpp"
#include "versions.hpp"

namespace megaforce::client {

void add_check(CLI::App& app, Context& ctx) {
  auto print_catalog = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("check", "compare the live schema with what the installed version defines");
  cmd->add_flag("--print-catalog", *print_catalog,
                "print the live catalog as JSON (how client/catalogs/VERSION.json are made)");
  cmd->footer("Example: megaforce check    exit 1 when anything drifted, naming each object");
  cmd->callback([&ctx, print_catalog] {
    ctx.action = [&ctx, print_catalog] {
      Connection conn = ctx.connect();
      Result installed = conn.exec("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'megaforce'");
      if (*print_catalog) {
        std::cout << catalog_json(live_catalog(conn)).dump(1) << "\n";
        return kOk;
      }
      if (installed.rows() == 0) throw CliError(kFailed, "megaforce is not installed: nothing to check");
      std::string version = installed.text(0, 0);
      std::optional<Catalog> expected = expected_catalog(version);
      if (!expected)
        throw CliError(kFailed, fmt::format("this client knows versions {} but the database is at {}; "
                                            "use a megaforce client built for {}",
                                            fmt::join(known_catalog_versions(), ", "), version, version));
      std::vector<Drift> drift = compare_catalogs(*expected, live_catalog(conn));
      if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const Drift& d : drift)
          out.push_back({{"change", d.change}, {"kind", d.kind}, {"name", d.name},
                         {"expected", d.expected ? nlohmann::json(*d.expected) : nullptr},
                         {"actual", d.actual ? nlohmann::json(*d.actual) : nullptr}});
        std::cout << nlohmann::json{{"version", version}, {"drift", out}}.dump(2) << "\n";
      } else if (drift.empty()) {
        std::cout << fmt::format("schema matches megaforce {} ({} objects)\n", version, expected->size());
      } else {
        std::cout << fmt::format("schema drift from megaforce {}: {} objects\n", version, drift.size());
        for (const Drift& d : drift) std::cout << fmt::format("  {:<10} {} {}\n", d.change, d.kind, d.name);
      }
      return drift.empty() ? kOk : kFailed;
    };
  });
}

}  // namespace megaforce::client
