// scripts/new_loss.sh, run into a temporary copy of the registry: the files
// it writes, the two registry lines, its refusals, and a compile of what it
// wrote (syntax only, against this repository's headers).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/data_test_util.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Run {
  int status;
  std::string output;  // stdout and stderr
};
Run run(const std::string& cmd) {
  Run r{0, ""};
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  while (fgets(buf, sizeof buf, p)) r.output += buf;
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("new_loss.sh writes a loss, its test and two registry lines, and refuses bad names",
          "[new_loss]") {
  fg_test::TempDir tmp;
  const fs::path root = tmp.path;
  fs::create_directories(root / "losses");
  fs::create_directories(root / "tests");
  fs::copy_file("losses/registry.cpp", root / "losses/registry.cpp");
  const std::string before = slurp(root / "losses/registry.cpp");

  const Run ok = run("scripts/new_loss.sh my_margin " + root.string());
  INFO(ok.output);
  REQUIRE(ok.status == 0);
  CHECK_THAT(ok.output, Catch::Contains("make test-double T='[my_margin],[generic]'"));
  const std::string loss = slurp(root / "losses/my_margin.cpp");
  const std::string test = slurp(root / "tests/test_loss_my_margin.cpp");
  CHECK_THAT(loss, Catch::Contains("LossSpec my_margin_spec()") &&
                       Catch::Contains("CosineLoss(\"my_margin\", ctx, r)") && !Catch::Contains("@NAME@"));
  CHECK_THAT(test, Catch::Contains("LossCase c(\"my_margin\"") && Catch::Contains("\"[my_margin]\"") &&
                       Catch::Contains("crosscheck") && !Catch::Contains("@NAME@"));
  // The registry: exactly two lines more, the declaration and the table row,
  // each after the last of its kind.
  const std::string after = slurp(root / "losses/registry.cpp");
  std::string expected = before;
  const std::string decl = "LossSpec linear_angle_spec();  // not in the lecture: notes/adding-a-loss.md\n";
  const std::string row = "    linear_angle_spec,\n";
  REQUIRE(expected.find(decl) != std::string::npos);
  REQUIRE(expected.find(row) != std::string::npos);
  expected.insert(expected.find(decl) + decl.size(), "LossSpec my_margin_spec();  // losses/my_margin.cpp\n");
  expected.insert(expected.find(row) + row.size(), "    my_margin_spec,\n");
  CHECK(after == expected);
  CHECK_FALSE(fs::exists(root / "losses/my_margin.cpp.tmp"));

  // Refusals leave everything as it was.
  struct Bad {
    std::string name, says;
  };
  const Bad bad[] = {
      {"my_margin", "losses/my_margin.cpp already exists; choose another name"},
      {"My-Margin", "'My-Margin' is not a loss name: lower-case letters, digits and _"},
      {"2margin", "'2margin' is not a loss name"},
      {"a;rm", "'a;rm' is not a loss name"},
      {"", "give the new loss a name"},
  };
  for (const Bad& b : bad) {
    const Run r = run("scripts/new_loss.sh '" + b.name + "' " + root.string());
    INFO(b.name << ": " << r.output);
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Catch::StartsWith("new_loss.sh: ") && Catch::Contains(b.says));
  }
  fs::remove(root / "losses/my_margin.cpp");  // the registry lines alone still block the name
  fs::remove(root / "tests/test_loss_my_margin.cpp");
  CHECK_THAT(run("scripts/new_loss.sh my_margin " + root.string()).output,
             Catch::Contains("'my_margin' is already in losses/registry.cpp"));
  CHECK(slurp(root / "losses/registry.cpp") == expected);

  // What it wrote compiles against this repository's headers.
  REQUIRE(run("scripts/new_loss.sh other_margin " + root.string()).status == 0);
  const Run cc = run("g++ -std=c++17 -fsyntax-only -I. -Itests " + (root / "tests/test_loss_other_margin.cpp").string());
  INFO(cc.output);
  CHECK(cc.status == 0);
  const Run cl = run("g++ -std=c++17 -fsyntax-only -Wall -Wextra -Wno-unused-parameter -Werror -I. " +
                     (root / "losses/other_margin.cpp").string());
  INFO(cl.output);
  CHECK(cl.status == 0);
}
