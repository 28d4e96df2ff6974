// The deliberate-fault list (scripts/fault_list.py) stays true to the
// sources: every fault's original text occurs exactly once in its file, so
// scripts/faults.py puts in the bug it describes and no other. The pass
// itself (rebuilding once per fault) is too slow for make test; `make faults`
// runs it.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct Run {
  int code = -1;
  std::string out;
};

// Runs a shell command from the top of the tree, its stdout and stderr captured.
Run run(const std::string& command) {
  Run r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("fault list: every fault still applies exactly once to today's sources", "[faultlist]") {
  const Run r = run("python3 scripts/faults.py --check-only");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("faults apply exactly once") != std::string::npos);
}

TEST_CASE("fault list: a fault whose text is gone or doubled is refused by name", "[faultlist]") {
  // A tree holding only core/graph.cpp, with the accumulate line of the
  // fault "accumulate-assigns" written twice: that fault occurs twice, and
  // every other fault's file is missing.
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("fg_fault_list_" + std::to_string(getpid()));
  fs::create_directories(root / "core");
  const std::string line = "for (int64_t i = 0; i < n; ++i) d[i] += s[i];";
  std::string graph = read_all("core/graph.cpp");
  REQUIRE(graph.find(line) != std::string::npos);
  graph += "\n// " + line + "\n";
  std::ofstream(root / "core" / "graph.cpp") << graph;

  const Run r = run("python3 scripts/faults.py --check-only --root " + root.string());
  fs::remove_all(root);
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(r.out.find("accumulate-assigns: its original text") != std::string::npos);
  CHECK(r.out.find("occurs 2 times in core/graph.cpp") != std::string::npos);
  CHECK(r.out.find("seed-assigns:") == std::string::npos);  // its text is there once
  CHECK(r.out.find("clamp-end-open: core/ops_elementwise.cpp does not exist") != std::string::npos);
}
