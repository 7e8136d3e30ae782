// libpq wrappers (see pg.hpp).
#include "pg.hpp"

#include <fmt/format.h>

#include "cli_error.hpp"

namespace megaforce::client {

std::string first_line(const std::string& message) {
  std::string line = message.substr(0, message.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

namespace {

// libpq puts "connection to server at ... failed: " in front of the reason.
std::string connection_reason(const std::string& message) {
  std::string line = first_line(message);
  std::string::size_type at = line.find(" failed: ");
  if (line.rfind("connection to server", 0) == 0 && at != std::string::npos) line = line.substr(at + 9);
  return line;
}

Result checked(PGconn* conn, PGresult* raw) {
  Result result(raw);
  ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = raw ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? primary : first_line(PQerrorMessage(conn));
  throw DbError(state ? state : "08006", message);
}

}  // namespace

Connection Connection::open(const std::string& conninfo, const std::string& redacted_target) {
  // fallback_application_name: visible in pg_stat_activity unless the DSN names one.
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "megaforce", nullptr};
  Connection connection(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!connection.conn_) throw CliError(kNoConnection, "cannot connect: out of memory");
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw CliError(kNoConnection,
                   fmt::format("cannot connect to {}: {}; check --dsn, MEGAFORCE_DATABASE_URL/"
                               "DATABASE_URL or the PG* variables",
                               redacted_target, connection_reason(PQerrorMessage(connection.get()))));
  }
  return connection;
}

Result Connection::exec(const std::string& sql) const {
  return checked(conn_.get(), PQexec(conn_.get(), sql.c_str()));
}

Result Connection::exec(const std::string& sql, const std::vector<std::optional<std::string>>& params) const {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return checked(conn_.get(), PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                                           nullptr, values.data(), nullptr, nullptr, 0));
}

}  // namespace megaforce::client
