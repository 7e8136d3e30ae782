// Connection precedence, .env parsing and password redaction (see header).
#include "connection_settings.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace megaforce::client {
namespace {

std::string trim(const std::string& s) {
  std::string::size_type b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  std::string::size_type e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string unquote_double(const std::string& body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size()) {
      char c = body[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += body[i];
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_dotenv(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    std::string::size_type eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (key.empty()) continue;
    if (value.size() >= 2 && value[0] == '"') {
      std::string::size_type close = value.find('"', 1);
      while (close != std::string::npos && value[close - 1] == '\\') close = value.find('"', close + 1);
      value = unquote_double(value.substr(1, (close == std::string::npos ? value.size() : close) - 1));
    } else if (value.size() >= 2 && value[0] == '\'') {
      std::string::size_type close = value.find('\'', 1);
      value = value.substr(1, (close == std::string::npos ? value.size() : close) - 1);
    } else {
      std::string::size_type comment = value.find(" #");
      if (comment != std::string::npos) value = trim(value.substr(0, comment));
    }
    values[key] = value;
  }
  return values;
}

std::string redact_password(const std::string& conninfo) {
  // URI: scheme://user:password@host...
  static const std::regex uri_password(R"(^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@?#]*):[^@/?#]*@)");
  std::string out = std::regex_replace(conninfo, uri_password, "$1:****@");
  // URI query parameter ?password=... and key=value form password=...
  static const std::regex query_password(R"(([?&])password=[^&]*)");
  out = std::regex_replace(out, query_password, "$1password=****");
  static const std::regex kv_password(R"((^|\s)password\s*=\s*('([^'\\]|\\.)*'|\S+))");
  out = std::regex_replace(out, kv_password, "$1password=****");
  return out;
}

void apply_dotenv(const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) setenv(name.c_str(), value.c_str(), /*overwrite=*/0);
}

ConnectionTarget resolve_target(const std::optional<std::string>& dsn_option,
                                const char* (*getenv)(const char*)) {
  if (dsn_option) return {*dsn_option, "--dsn", redact_password(*dsn_option)};
  for (const char* name : {"MEGAFORCE_DATABASE_URL", "DATABASE_URL", "SUPABASE_DATABASE_URL"}) {
    if (const char* value = getenv(name)) return {value, name, redact_password(value)};
  }
  // libpq defaults: name what they point at, as far as the environment says.
  auto env = [&](const char* name, const std::string& fallback) -> std::string {
    const char* value = getenv(name);
    return value ? value : fallback;
  };
  std::string display = fmt::format("host={} port={} dbname={} (libpq defaults)", env("PGHOST", "local socket"),
                                    env("PGPORT", "5432"), env("PGDATABASE", env("PGUSER", "default")));
  return {"", "libpq defaults", display};
}

}  // namespace megaforce::client
