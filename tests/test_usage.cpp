// Small promises of the programs: every usage line lists every option its
// --help explains; feature2d says how many images it used; losscalc says when
// W is drawn at random.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/cli_test_util.hpp"
#include "tests/data_test_util.hpp"

namespace fs = std::filesystem;

namespace {

// stdout and stderr of a command.
std::string output_of(const std::string& cmd) { return fg_test::run_output(cmd).second; }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The usage line (the text before the first blank line) and the options
// --help explains ("  --flag ..." lines after it) of one command line.
void check_usage(const std::string& cmd, int& checked) {
  const std::string help = output_of(cmd + " --help");
  INFO(cmd << " --help:\n" << help);
  const size_t blank = help.find("\n\n");
  REQUIRE(blank != std::string::npos);
  const std::string usage = help.substr(0, blank) + " ";
  const std::string rest = help.substr(blank);
  std::set<std::string> options, commands;
  const std::regex option_line("\n +(--[a-z0-9-]+)"), command_line("\n  ([a-z][a-z-]+)   ");
  for (auto it = std::sregex_iterator(rest.begin(), rest.end(), option_line); it != std::sregex_iterator(); ++it)
    options.insert((*it)[1]);
  for (auto it = std::sregex_iterator(rest.begin(), rest.end(), command_line); it != std::sregex_iterator(); ++it)
    commands.insert((*it)[1]);
  if (options.empty()) {  // a program of commands (figures): each command's own --help
    REQUIRE(commands.size() >= 2);
    for (const std::string& c : commands) check_usage(cmd + " " + c, checked);
    return;
  }
  for (const std::string& o : options) {
    INFO(cmd << ": " << o);
    CHECK(std::regex_search(usage, std::regex(o + "[\\] =\n]")));
  }
  ++checked;
}

}  // namespace

TEST_CASE("usage: every program's usage line lists every option of its --help", "[usage]") {
  int programs = 0, checked = 0;
  for (const auto& e : fs::directory_iterator("demos")) {
    if (e.path().extension() != ".cpp") continue;
    check_usage("build/" + e.path().stem().string(), checked);
    ++programs;
  }
  CHECK(programs >= 7);
  CHECK(checked >= programs + 2);  // figures: three commands
}

TEST_CASE("usage: feature2d's header and metrics.json say how many images were used", "[usage][slow]") {
  fg_test::TempDir tmp;
  const std::string out = output_of("build/feature2d --data digits:300 --train-images 120 --test-images 50 "
                                    "--epochs 1 --threads 1 --quiet --out " + tmp.path.string());
  INFO(out);
  CHECK_THAT(out, Catch::Contains("feature2d: synthetic digits (") &&
                      Catch::Contains(", of which 120 train and 50 test images used\n"));
  const std::string j = slurp(tmp.file("metrics.json"));
  CHECK_THAT(j, Catch::Contains("of which 120 train and 50 test images used") &&
                    Catch::Contains("\"train_images\": 120") && Catch::Contains("\"test_images\": 50"));
}

TEST_CASE("usage: losscalc says when W is drawn at random", "[usage]") {
  fg_test::TempDir tmp;
  {
    std::ofstream(tmp.file("h.csv")) << "1,0\n";
    std::ofstream(tmp.file("y.csv")) << "0\n";
    std::ofstream(tmp.file("W.csv")) << "1,0\n0,1\n";
  }
  const std::string base = "build/losscalc arcface --features " + tmp.file("h.csv") + " --labels " + tmp.file("y.csv");
  const std::string random_w = output_of(base + " K=2");
  CHECK_THAT(random_w, Catch::Contains("losscalc: no --weights, so W (K x N, Xavier-normal) is drawn at random") &&
                           Catch::Contains("give --weights W.csv"));
  CHECK_THAT(output_of(base + " --weights " + tmp.file("W.csv")), !Catch::Contains("drawn at random"));
  CHECK_THAT(output_of("build/losscalc center --features " + tmp.file("h.csv") + " --labels " + tmp.file("y.csv")),
             !Catch::Contains("drawn at random"));
}
