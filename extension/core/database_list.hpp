// megaforce.databases: the comma-separated list of databases the scheduler
// serves, parsed without PostgreSQL (unit-tested).
#pragma once

#include <string>
#include <vector>

namespace megaforce {

// Names in order, trimmed, each once; empty entries are skipped. A name may
// be double-quoted to keep spaces or commas ("my db"), "" inside quotes is
// a quote. Throws megaforce::Error (22023) for an unterminated quote or a
// name longer than 63 bytes.
std::vector<std::string> parse_database_list(const std::string& list);

}  // namespace megaforce
