// Running the megaforce binary from GoogleTest against the throwaway cluster
// that PGHOST/PGPORT/PGUSER point at, and making databases for each test.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace megaforce::client::test {

struct CliRun {
  int exit_code = -1;
  std::string out, err;
  std::string all() const { return out + err; }
};

struct RunOptions {
  std::map<std::string, std::string> env;  // set for the run
  std::vector<std::string> unset = {"MEGAFORCE_DATABASE_URL", "DATABASE_URL", "SUPABASE_DATABASE_URL"};
  std::string cwd;                          // default: a fresh empty directory
};

// Runs `megaforce ARGS...` and waits for it.
CliRun megaforce(const std::vector<std::string>& args, const RunOptions& options = {});

// `megaforce --dsn <db's dsn> ARGS...`
CliRun mf(const std::string& db, std::vector<std::string> args);

// The server's head version of megaforce.
std::string head_version();

// Starts `megaforce ARGS...` in the background; returns its pid. Output goes
// to `log`.
int start_megaforce(const std::vector<std::string>& args, const std::string& log, const RunOptions& options = {});

// SQL on the test cluster (database `db`), returning the first column of the
// first row ("" for none).
std::string sql(const std::string& db, const std::string& statement);

// A fresh database named `name`, with megaforce at `version` (nullopt: none).
std::string fresh_database(const std::string& name, const std::optional<std::string>& version);

// "dbname=NAME" plus the cluster's host and port, as a libpq string.
std::string dsn_for(const std::string& db);
// The same as a postgresql:// URI with a password in it.
std::string uri_with_password(const std::string& db, const std::string& password);

std::string temp_dir();
int free_port();
std::string http_get(int port, const std::string& path, int* status, std::string* content_type);

}  // namespace megaforce::client::test
