// Bad input from people: every program in build/ is run with arguments that
// make no sense (an unknown flag, an unknown loss, --epochs abc, --epochs 0,
// --dim 0, a dataset that does not exist, a flag without its value, a
// key=value with an unknown key) and must exit with code 2 and a message on
// stderr that names the offending argument: never a crash (a signal) and
// never a hang (each run is bounded by `timeout 20`, whose 124 counts as a
// failure). A program that is not built is skipped with a warning.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "demos/cli/counted.hpp"

namespace {

struct Bad {
  std::string args;
  std::vector<std::string> names;  // stderr must contain one of these
};

struct Outcome {
  int code = -1;        // exit code; 128 + n for signal n (as the shell reports it)
  std::string err;      // stderr
};

// A scratch directory as the working directory of the runs (so nothing a
// program might write lands in the tree), holding two valid CSV files.
const std::string& scratch() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/fg_cli_XXXXXX";
    const char* d = mkdtemp(tmpl);
    REQUIRE(d != nullptr);
    std::ofstream(std::string(d) + "/f.csv") << "1,0\n0,1\n";
    std::ofstream(std::string(d) + "/l.csv") << "0\n1\n";
    return std::string(d);
  }();
  static const bool cleanup = std::atexit([] {
    if (std::system(("rm -rf " + scratch()).c_str()) != 0) std::cerr << "could not remove " << scratch() << "\n";
  }) == 0;
  (void)cleanup;
  return dir;
}

std::string repo_root() {
  char buf[4096];
  REQUIRE(getcwd(buf, sizeof buf) != nullptr);
  return buf;
}

Outcome run(const std::string& program, const std::string& args) {
  const std::string cmd = "cd " + scratch() + " && timeout 20 " + program + " " + args +
                          " 2>&1 >/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  Outcome o;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) o.err += buf;
  const int status = pclose(p);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

// The same bad arguments for every training program; a flag a program does
// not have is itself an unknown flag, named as such.
std::vector<Bad> common_cases(const std::string& prefix) {
  const std::string p = prefix.empty() ? "" : prefix + " ";
  return {
      {p + "--bogus-flag", {"--bogus-flag"}},
      {p + "--loss nosuchloss", {"nosuchloss", "--loss"}},
      {p + "--epochs abc", {"abc", "--epochs"}},
      {p + "--epochs 0", {"--epochs"}},
      {p + "--dim 0", {"--dim"}},
      {p + "--data mnist:/nonexistent/fg_cli_dir", {"/nonexistent/fg_cli_dir", "--data"}},
      {p + "--epochs", {"--epochs"}},
      {p + "bogus_key=1", {"bogus_key"}},
  };
}

std::vector<Bad> losscalc_cases() {
  const std::string ok = "--features f.csv --labels l.csv";
  return {
      {"softmax " + ok + " --bogus-flag", {"--bogus-flag"}},
      {"nosuchloss " + ok, {"nosuchloss"}},
      {"softmax --features /nonexistent/fg_cli/f.csv --labels l.csv", {"/nonexistent/fg_cli/f.csv"}},
      {"softmax " + ok + " bogus_key=1", {"bogus_key"}},
      {"softmax --features f.csv --labels", {"--labels"}},
      {"arcface " + ok + " s=abc", {"abc"}},
      {"arcface " + ok + " m=-1", {"m = -1"}},
      {"softmax --labels l.csv", {"--features"}},
  };
}

struct Program {
  std::string name;
  std::vector<Bad> cases;
};

std::vector<Program> programs() {
  return {
      {"train_softmax", common_cases("")}, {"losscalc", losscalc_cases()},
      {"bounds", common_cases("")},        {"feature2d", common_cases("")},
      {"gallery", common_cases("")},       {"figures", common_cases("center-lambda")},
      {"faceid", common_cases("")},
  };
}

// "" if the outcome is right, else what is wrong.
std::string judge(const Bad& b, const Outcome& o) {
  std::ostringstream why;
  if (o.code == 124) why << "hung (killed by timeout 20)";
  else if (o.code >= 128) why << "crashed with signal " << o.code - 128;
  else if (o.code != 2) why << "exit code " << o.code << ", expected 2";
  bool named = false;
  for (const std::string& n : b.names) named = named || o.err.find(n) != std::string::npos;
  if (!named) why << (why.tellp() ? "; " : "") << "stderr does not name '" << b.names[0] << "'";
  if (o.err.find("nosuchloss") != std::string::npos && o.err.find("arcface") == std::string::npos)
    why << (why.tellp() ? "; " : "") << "an unknown loss without the list of valid ones";
  return why.str();
}

// Runs every case and returns the failures, one line each; prints one line
// per program.
std::vector<std::string> run_programs() {
  std::vector<std::string> failures;
  const std::string build = repo_root() + "/build/";
  for (const Program& p : programs()) {
    if (!std::ifstream(build + p.name).good()) {
      WARN("build/" << p.name << " does not exist: skipped");
      continue;
    }
    int ran = 0, good = 0;
    for (const Bad& b : p.cases) {
      const Outcome o = run(build + p.name, b.args);
      const std::string why = judge(b, o);
      ++ran;
      if (why.empty()) { ++good; continue; }
      std::string first = o.err.substr(0, o.err.find('\n'));
      failures.push_back(p.name + " " + b.args + ": " + why + " (stderr: " + first + ")");
    }
    if (ran) std::cout << "cli: " << p.name << ": " << good << "/" << ran << " bad argument sets refused cleanly\n";
  }
  for (const std::string& f : failures) std::cout << "cli: FAILED: " << f << "\n";
  return failures;
}

}  // namespace

TEST_CASE("cli: every program refuses bad arguments with exit code 2 and says why", "[cli]") {
  const std::vector<std::string> failures = run_programs();
  REQUIRE(failures.empty());
}

TEST_CASE("counted: one takes the singular, every other count the plural", "[cli]") {
  CHECK(fg::counted(1, "epoch") == "1 epoch");
  CHECK(fg::counted(2, "epoch") == "2 epochs");
  CHECK(fg::counted(0, "step") == "0 steps");
  CHECK(fg::counted(-1, "row") == "-1 rows");
  CHECK(fg::counted(1, "class", "classes") == "1 class");
  CHECK(fg::counted(10, "class", "classes") == "10 classes");
}
