// Running the built programs from a test.
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <utility>

namespace fg_test {

// Runs a shell command; returns its exit code (-1 if it did not exit) and
// what it wrote to stderr. Its stdout is dropped.
inline std::pair<int, std::string> run_command(const std::string& cmd) {
  std::string err;
  FILE* p = popen((cmd + " 2>&1 >/dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) err += buf;
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
}

}  // namespace fg_test
