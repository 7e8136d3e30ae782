// Small RAII wrappers over libpq: a Connection owns a PGconn, a Result owns
// a PGresult. Failed statements throw DbError with the server's SQLSTATE.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace megaforce::client {

class DbError : public std::runtime_error {
 public:
  DbError(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string text(int row, int column) const { return PQgetvalue(result_.get(), row, column); }
  std::optional<std::string> optional_text(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return text(row, column);
  }
  long long integer(int row, int column) const { return std::stoll(text(row, column)); }
  double number(int row, int column) const { return std::stod(text(row, column)); }
  bool boolean(int row, int column) const { return text(row, column) == "t"; }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection {
 public:
  // Connects with a libpq connection string or URI ("" = libpq's defaults).
  // Throws CliError(kNoConnection) with one line that never shows a password.
  static Connection open(const std::string& conninfo, const std::string& redacted_target);

  bool ok() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }
  PGconn* get() const { return conn_.get(); }

  Result exec(const std::string& sql) const;
  Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params) const;
  std::string database() const { return PQdb(conn_.get()); }
  int server_version() const { return PQserverVersion(conn_.get()); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn, &PQfinish) {}
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
};

// One line of a libpq error message (libpq's messages span lines).
std::string first_line(const std::string& message);

}  // namespace megaforce::client
