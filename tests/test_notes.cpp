// notes/ names only what exists and quotes only what the code does: every
// file a page names in a code span (`losses/arcface.cpp`), every function it
// names as `name()`, every build/ program it runs (in a code span or a command
// block), every link between pages (file and heading), every test it cites as
// `test: NAME`, and every number marked `<!-- fact KEY -->`, compared with
// what `build/bounds --notes` prints for KEY. Each loss file names its section
// (`// notes: notes/PAGE.md#anchor` in its header) and that section names the
// file back. The suites run from the repository root, so the paths here are
// relative to it.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "core/graph.hpp"
#include "losses/registry.hpp"
#include "tests/notes_check.hpp"

using namespace notes_check;

TEST_CASE("notes: every page names files, functions, programs, tests and headings that exist, "
          "and quotes the numbers build/bounds --notes prints",
          "[notes]") {
  REQUIRE(fs::is_directory("notes"));  // the suites run from the repository root
  Sources src{source_functions(), test_names(), program_facts()};
  REQUIRE(src.functions.count("margin_softmax"));
  REQUIRE(src.tests.count("notes: the checker reports what does not exist"));
  {
    INFO("build/bounds --notes must run (make builds it before the suites)");
    REQUIRE(src.facts.count("default.arcface.s"));
  }
  int pages = 0;
  std::set<std::string> used;
  for (const auto& e : fs::directory_iterator("notes")) {
    if (e.path().extension() != ".md") continue;
    ++pages;
    const std::string name = e.path().filename().string();
    for (const std::string& p : check_page(name, read_text(e.path()), "notes", src, &used))
      FAIL_CHECK(p);
  }
  // The index, the five section pages, exercises, solutions, adding a loss.
  CHECK(pages >= 9);
  // Every computed fact (not the per-parameter defaults and ranges) is quoted.
  for (const auto& f : src.facts)
    if (!starts_with(f.first, "default.") && !starts_with(f.first, "range.") && !used.count(f.first))
      FAIL_CHECK("build/bounds --notes prints " + f.first + " but no page quotes it");
}

TEST_CASE("notes: every number measured in solutions.md is printed by build/bounds", "[notes]") {
  const std::string out = command_output("build/bounds");
  {
    INFO("build/bounds must run (make builds it before the suites)");
    REQUIRE(out.find("bounds hold") != std::string::npos);
  }
  const std::string page = read_text("notes/solutions.md");
  REQUIRE(page.find("*Measured") != std::string::npos);
  for (const std::string& p : measured_problems("solutions.md", page, out)) FAIL_CHECK(p);
  // The checker on its own: rounding to the page's last digit, and a miss.
  CHECK(rounds_one_of("1.5e-7", {"1.54e-07"}));
  CHECK(rounds_one_of("0.0015", {"0.00153"}));
  CHECK(rounds_one_of("80", {"80.0000"}));
  CHECK_FALSE(rounds_one_of("0.899845", {"0.899844"}));
  CHECK(measured_problems("x.md", "*Measured:* 0.98 and 8\n", "0.9835 7.2").size() == 1);
  CHECK(numbers_in("K 2..8, (1, 5], +0.079, 1.5e-7, l2") ==
        std::vector<std::string>{"2", "8", "1", "5", "0.079", "1.5e-7"});
}

TEST_CASE("notes: each loss file names its section, and the section names the file", "[notes]") {
  // Files with a header comment in losses/ (the helpers without one are
  // described by the pages of the losses that use them).
  int files = 0;
  std::map<std::string, std::set<std::string>> named_by;  // pointer -> files
  for (const auto& e : fs::directory_iterator("losses")) {
    if (e.path().extension() != ".cpp") continue;
    const std::string file = "losses/" + e.path().filename().string();
    const std::string src = read_text(e.path());
    if (!starts_with(src, "//")) continue;
    ++files;
    const std::string pointer = notes_pointer(src);
    for (const std::string& p : check_pointer(file, pointer)) FAIL_CHECK(p);
    named_by[pointer].insert(file);
  }
  CHECK(files >= 20);
  // The other way: every numbered loss section of pages 3-5 names a file of
  // losses/ that points back to it.
  for (const char* page : {"notes/03-softmax-family.md", "notes/04-euclidean-family.md",
                           "notes/05-angular-family.md"}) {
    const std::string text = read_text(page);
    std::istringstream in(text);
    std::string line;
    int sections = 0;
    while (std::getline(in, line)) {
      if (!starts_with(line, "## ") || !std::isdigit(static_cast<unsigned char>(line[3]))) continue;
      ++sections;
      const std::string pointer = std::string(page) + "#" + slug(line.substr(3));
      INFO(pointer);
      CHECK(named_by.count(pointer));
    }
    CHECK(sections >= 5);
  }
}

TEST_CASE("notes: the checker reports what does not exist", "[notes]") {
  Sources src{source_functions(), test_names(), {{"default.arcface.s", "64"}, {"k.range", "[1, 10]"}}};
  const std::string good =
      "See `losses/arcface.cpp`, `arcface_target()`, `CenterLoss::after_step()` and\n"
      "[the exercises](exercises.md#normface), `test: notes: the checker reports what does not exist`,\n"
      "`s = 64` <!-- fact default.arcface.s --> and m1 in [1, 10] <!-- fact k.range -->.\n"
      "```sh\nbuild/bounds --seed 2\n```\n";
  CHECK(check_page("good.md", good, "notes", src).empty());
  const std::string bad =
      // (split so that this file does not itself define the name it tests)
      "`losses/no_such_loss.cpp` and `no_such_" "function_anywhere()`, `build/no_such_demo`,\n"
      "[gone](no_such_page.md), [x](exercises.md#no-such-heading).\n"
      "```sh\n$ build/another_missing_demo --x\n```\n"
      "`test: no such test`, `s = 65` <!-- fact default.arcface.s --> 1 <!-- fact no.such -->\n";
  const std::vector<std::string> problems = check_page("bad.md", bad, "notes", src);
  std::string all;
  for (const std::string& p : problems) all += p + "\n";
  INFO(all);
  REQUIRE(problems.size() == 9);
  CHECK_THAT(problems[0], Catch::Contains("losses/no_such_loss.cpp"));
  CHECK_THAT(problems[1], Catch::Contains("function_anywhere()"));
  CHECK_THAT(problems[2], Catch::Contains("build/no_such_demo"));
  CHECK_THAT(problems[3], Catch::Contains("no_such_page.md"));
  CHECK_THAT(problems[4], Catch::Contains("no such heading"));
  CHECK_THAT(problems[5], Catch::Contains("build/another_missing_demo"));
  CHECK_THAT(problems[6], Catch::Contains("test \"no such test\""));
  CHECK_THAT(problems[7], Catch::Contains("the page says 65, build/bounds --notes prints 64"));
  CHECK_THAT(problems[8], Catch::Contains("fact no.such is not printed"));
  CHECK(slug("5.1 L-Softmax") == "51-l-softmax");
  CHECK(value_before("the slope stays below about 1.1e3 ") == "1.1e3");
  CHECK(value_before("`mining=all`") == "all");
}

TEST_CASE("notes: a loss file's pointer is checked against its page", "[notes]") {
  CHECK(check_pointer("losses/arcface.cpp", "notes/05-angular-family.md#54-arcface").empty());
  CHECK(check_pointer("losses/arcface.cpp", "").size() == 1);
  CHECK_THAT(check_pointer("losses/arcface.cpp", "notes/05-angular-family.md#no-such")[0],
             Catch::Contains("no heading"));
  CHECK_THAT(check_pointer("losses/arcface.cpp", "notes/05-angular-family.md#53-am-softmax-and-cosface")[0],
             Catch::Contains("does not name"));
  CHECK(notes_pointer("// A.\n//\n// notes: notes/x.md#y\n#include <z>\n// notes: no\n") ==
        "notes/x.md#y");
  CHECK(notes_pointer("#include <z>\n// notes: notes/x.md#y\n").empty());
}

// A statement of notes/05 (ArcFace, "NaN from acos at ±1") checked on the loss:
// the slope dpsi/dc = sin(theta + m)/sin theta is unbounded at theta = 0, but
// the gradient with respect to h is sin(theta + m)/|h| (times 1 - p_y), bounded.
TEST_CASE("notes: ArcFace's gradient in h is sin(theta + m) / |h|, bounded at theta = 0",
          "[notes]") {
  using namespace fg;
  const double m = 0.5, r = 2, pi = 3.141592653589793;
  // K = 2 in 3-D: W_0 = e1 (the target), W_1 = e3; h in the e1-e2 plane, so
  // the other class's cosine is 0 and its gradient points along e3 only.
  const Tensor W = Tensor::from({2, 3}, {1, 0, 0, 0, 0, 1});
  std::unique_ptr<Loss> loss =
      make_loss("arcface", {{"s", "1"}, {"m", "0.5"}}, LossContext{2, 3, 1});
  loss->set_parameter("W", constant(W.clone()));
  const double tol = sizeof(real) == 8 ? 1e-9 : 2e-4;
  for (double theta : {1e-3, 0.1, 1.0, 2.5, 2.8}) {
    Var h = param(Tensor::from({1, 3}, {real(r * std::cos(theta)), real(r * std::sin(theta)), 0}));
    backward(loss->forward(LossInput{h, {0}, nullptr}));
    const double g = std::hypot(double(h.grad()[0]), double(h.grad()[1]));
    const bool first = theta <= pi - m;
    const double psi = first ? std::cos(theta + m) : std::cos(theta) - m * std::sin(m);
    const double slope_times_sin = first ? std::sin(theta + m) : std::sin(theta);
    const double one_minus_p = 1 / (1 + std::exp(psi));  // 1 - e^psi / (e^psi + e^0)
    INFO("theta = " << theta);
    if (theta >= 0.1)
      CHECK(g == Approx(one_minus_p * slope_times_sin / r).epsilon(tol));
    CHECK(g <= one_minus_p / r * (1 + 1e-3));  // bounded by 1/|h|, whatever theta
  }
}
