// Running the built programs from a test.
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <utility>

namespace fg_test {

// Runs a shell command line as it is; returns its exit code (-1 if it did
// not exit) and what it printed on stdout.
inline std::pair<int, std::string> run_shell(const std::string& line) {
  std::string out;
  FILE* p = popen(line.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A program's exit code and what it wrote to stderr (its stdout dropped).
inline std::pair<int, std::string> run_command(const std::string& cmd) {
  return run_shell(cmd + " 2>&1 >/dev/null");
}

// A program's exit code and its stdout and stderr together.
inline std::pair<int, std::string> run_output(const std::string& cmd) { return run_shell(cmd + " 2>&1"); }

}  // namespace fg_test
