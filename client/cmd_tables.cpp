// megaforce tables: the extension's tables with row estimates and sizes.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli_error.hpp"
#include "context.hpp"

namespace megaforce::client {

void add_tables(CLI::App& app, Context& ctx) {
  CLI::App* cmd = app.add_subcommand("tables", "the extension's tables with row estimates and sizes");
  cmd->footer("Examples:\n  megaforce tables\n  megaforce tables --json");
  cmd->callback([&ctx] {
    ctx.action = [&ctx] {
      Connection conn = ctx.connect();
      // Members of the extension only; reltuples is the planner's estimate
      // (-1 until the table was first vacuumed or analyzed).
      Result tables = conn.exec(
          "SELECT c.relname, c.reltuples::bigint, pg_catalog.pg_total_relation_size(c.oid), "
          "       pg_catalog.pg_relation_size(c.oid), pg_catalog.pg_indexes_size(c.oid), "
          "       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(c.oid)) "
          "FROM pg_catalog.pg_class c "
          "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
          "     AND d.objid = c.oid AND d.deptype = 'e' "
          "JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'megaforce' "
          "WHERE c.relkind IN ('r', 'p') ORDER BY c.relname");
      if (tables.rows() == 0 &&
          conn.exec("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'megaforce'").rows() == 0)
        throw CliError(kFailed, fmt::format("megaforce is not installed in database {}; megaforce upgrade installs it",
                                            conn.database()));
      if (ctx.json) {
        nlohmann::json out = nlohmann::json::array();
        for (int i = 0; i < tables.rows(); ++i) {
          long long estimate = tables.integer(i, 1);
          out.push_back({{"table", "megaforce." + tables.text(i, 0)},
                         {"rows_estimate", estimate < 0 ? nlohmann::json(nullptr) : nlohmann::json(estimate)},
                         {"total_bytes", tables.integer(i, 2)},
                         {"table_bytes", tables.integer(i, 3)},
                         {"index_bytes", tables.integer(i, 4)}});
        }
        std::cout << out.dump(2) << "\n";
        return kOk;
      }
      std::cout << fmt::format("{:<30} {:>12} {:>10}\n", "table", "rows (est.)", "size");
      for (int i = 0; i < tables.rows(); ++i) {
        long long estimate = tables.integer(i, 1);
        std::cout << fmt::format("{:<30} {:>12} {:>10}\n", "megaforce." + tables.text(i, 0),
                                 estimate < 0 ? std::string("-") : std::to_string(estimate), tables.text(i, 5));
      }
      return kOk;
    };
  });
}

}  // namespace megaforce::client
