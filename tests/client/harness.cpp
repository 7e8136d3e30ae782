// Test harness of the client suite (see harness.hpp).
#include "harness.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pg.hpp"

namespace megaforce::client::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const char* env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

pid_t spawn(const std::vector<std::string>& args, const RunOptions& options, const std::string& out,
            const std::string& err) {
  std::string cwd = options.cwd.empty() ? temp_dir() : options.cwd;
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    for (const std::string& name : options.unset) unsetenv(name.c_str());
    for (const auto& [name, value] : options.env) setenv(name.c_str(), value.c_str(), 1);
    if (chdir(cwd.c_str()) != 0) _exit(127);
    int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err_fd = err == out ? out_fd : open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> argv;
    static std::string binary = MEGAFORCE_CLI;
    argv.push_back(binary.data());
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

std::string temp_dir() {
  char pattern[] = "/tmp/megaforce-client-test.XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (!dir) throw std::runtime_error("mkdtemp failed");
  return dir;
}

CliRun megaforce(const std::vector<std::string>& args, const RunOptions& options) {
  std::string dir = temp_dir();
  pid_t pid = spawn(args, options, dir + "/out", dir + "/err");
  int status = 0;
  waitpid(pid, &status, 0);
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_file(dir + "/out");
  run.err = read_file(dir + "/err");
  return run;
}

CliRun mf(const std::string& db, std::vector<std::string> args) {
  args.insert(args.begin(), {"--dsn", dsn_for(db)});
  return megaforce(args);
}

std::string head_version() {
  return sql("postgres", "SELECT default_version FROM pg_available_extensions WHERE name = 'megaforce'");
}

int start_megaforce(const std::vector<std::string>& args, const std::string& log, const RunOptions& options) {
  return spawn(args, options, log, log);
}

std::string dsn_for(const std::string& db) {
  return "host=" + std::string(env_or("PGHOST", "/tmp")) + " port=" + env_or("PGPORT", "5432") +
         " user=" + env_or("PGUSER", "postgres") + " dbname=" + db;
}

std::string uri_with_password(const std::string& db, const std::string& password) {
  return "postgresql://" + std::string(env_or("PGUSER", "postgres")) + ":" + password + "@/" + db +
         "?host=" + env_or("PGHOST", "/tmp") + "&port=" + env_or("PGPORT", "5432");
}

std::string sql(const std::string& db, const std::string& statement) {
  Connection conn = Connection::open(dsn_for(db), db);
  Result result = conn.exec(statement);
  return result.rows() > 0 && !result.is_null(0, 0) ? result.text(0, 0) : "";
}

std::string fresh_database(const std::string& name, const std::optional<std::string>& version) {
  sql("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  sql("postgres", "CREATE DATABASE " + name);
  if (version) sql(name, "SET client_min_messages = warning; CREATE EXTENSION megaforce VERSION '" + *version + "'");
  return name;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string http_get(int port, const std::string& path, int* status, std::string* content_type) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(10);
  for (int attempt = 0; attempt < 100; ++attempt) {  // the server may still be starting
    if (auto res = client.Get(path.c_str())) {
      *status = res->status;
      *content_type = res->get_header_value("Content-Type");
      return res->body;
    }
    usleep(100 * 1000);
  }
  *status = 0;
  return "";
}

}  // namespace megaforce::client::test
