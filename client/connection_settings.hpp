// Which database the client talks to (SPEC §7): --dsn, else the first of
// MEGAFORCE_DATABASE_URL, DATABASE_URL, SUPABASE_DATABASE_URL that is set
// (no fallback to the next when it fails), else libpq's own defaults (PGHOST,
// PGPORT, ..., .pgpass, service files). A .env file in the working directory
// fills those names when the environment does not set them.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace megaforce::client {

// KEY=VALUE lines the usual dotenv way: blank lines and # comments skipped,
// an optional "export " prefix, double quotes (with \n, \" and \\ escapes)
// or single quotes (verbatim) around the value, else the value up to a
// " #" comment, trimmed.
std::map<std::string, std::string> parse_dotenv(const std::string& text);

struct ConnectionTarget {
  std::string conninfo;  // what libpq gets ("" = its defaults)
  std::string source;    // where it came from: "--dsn", "DATABASE_URL", "libpq defaults"
  std::string display;   // for messages: the conninfo with any password hidden
};

// Puts .env values into the process environment, for names it does not set
// (so libpq's PG* defaults see them too).
void apply_dotenv(const std::map<std::string, std::string>& values);

// `getenv` looks up the (dotenv-filled) process environment.
ConnectionTarget resolve_target(const std::optional<std::string>& dsn_option,
                                const char* (*getenv)(const char*));

// The conninfo (URI or key=value) with the password replaced by "****".
std::string redact_password(const std::string& conninfo);

}  // namespace megaforce::client
