// Failures of the megaforce client, each with the exit code it ends with
// (SPEC §7: like pg_isready, 0 ok, 1 failed while connected, 2 no
// connection, 3 bad invocation).
#pragma once

#include <stdexcept>
#include <string>

namespace megaforce::client {

enum ExitCode : int { kOk = 0, kFailed = 1, kNoConnection = 2, kBadInvocation = 3 };

class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, const std::string& message) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace megaforce::client
