// notes/ names only what exists: every file a page names in a code span
// (`losses/arcface.cpp`), every function it names as `name()`, every
// build/ program it runs (in a code span or a command block), and every link
// between pages (file and heading). The suites run from the repository root,
// so the paths here are relative to it.
#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Every identifier followed by '(' in the sources: the functions a page may name.
std::set<std::string> source_functions() {
  std::set<std::string> names;
  for (const char* dir : {"core", "layers", "losses", "optim", "demos", "tests"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const std::string ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
      const std::string s = read_text(e.path());
      for (size_t i = 0; i < s.size();) {
        if (!ident_char(s[i]) || (i > 0 && ident_char(s[i - 1]))) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j < s.size() && ident_char(s[j])) ++j;
        size_t k = j;
        while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
        if (k < s.size() && s[k] == '(') names.insert(s.substr(i, j - i));
        i = j;
      }
    }
  }
  return names;
}

// GitHub's anchor of a heading: lower case, spaces to '-', punctuation
// other than '-' and '_' dropped (bytes of non-ASCII letters kept).
std::string slug(const std::string& heading) {
  std::string s;
  for (char c : heading) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || u >= 0x80)
      s += char(std::tolower(u));
    else if (c == ' ')
      s += '-';
  }
  return s;
}

std::set<std::string> anchors_of(const std::string& page) {
  std::set<std::string> out;
  std::istringstream in(page);
  std::string line;
  bool fenced = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    if (fenced || line.empty() || line[0] != '#') continue;
    size_t b = line.find_first_not_of('#');
    if (b == std::string::npos || line[b] != ' ') continue;
    out.insert(slug(line.substr(b + 1)));
  }
  return out;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// "build/NAME ...": NAME must be a program of demos/ (or a suite the Makefile builds).
std::string check_program(const std::string& text) {
  std::string name = text.substr(6);
  name = name.substr(0, name.find_first_of(" /"));
  if (name.empty() || name == "test-float" || name == "test-double" || name == "test-asan" ||
      name == "bench" || fs::exists("demos/" + name + ".cpp"))
    return "";
  return "program build/" + name + " (no demos/" + name + ".cpp)";
}

bool is_path(const std::string& s) {
  static const char* roots[] = {"core/", "layers/", "losses/", "optim/", "demos/", "tests/",
                                "notes/", "scripts/"};
  bool rooted = false;
  for (const char* r : roots) rooted = rooted || starts_with(s, r);
  if (!rooted) return false;
  for (char c : s)
    if (!(ident_char(c) || c == '/' || c == '.' || c == '-')) return false;
  return true;
}

// `name()` or `Class::name()`: the name, else "".
std::string function_name(const std::string& s) {
  if (s.size() < 3 || s.compare(s.size() - 2, 2, "()") != 0) return "";
  const std::string body = s.substr(0, s.size() - 2);
  for (char c : body)
    if (!(ident_char(c) || c == ':')) return "";
  if (body.empty() || std::isdigit(static_cast<unsigned char>(body[0]))) return "";
  const size_t colon = body.rfind(':');
  return colon == std::string::npos ? body : body.substr(colon + 1);
}

// The problems of one page (`name` is its file name in notes_dir).
std::vector<std::string> check_page(const std::string& name, const std::string& text,
                                    const fs::path& notes_dir, const std::set<std::string>& functions) {
  std::vector<std::string> problems;
  auto problem = [&](int line, const std::string& what) {
    problems.push_back(name + ":" + std::to_string(line) + ": " + what);
  };
  std::istringstream in(text);
  std::string line;
  bool fenced = false;
  for (int no = 1; std::getline(in, line); ++no) {
    if (starts_with(line, "```")) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {  // command lines: "build/NAME ..."
      const size_t b = line.find_first_not_of(" $");
      if (b != std::string::npos && starts_with(line.substr(b), "build/")) {
        const std::string p = check_program(line.substr(b));
        if (!p.empty()) problem(no, p);
      }
      continue;
    }
    // Inline code spans.
    for (size_t i = line.find('`'); i != std::string::npos; i = line.find('`', i)) {
      const size_t j = line.find('`', i + 1);
      if (j == std::string::npos) break;
      const std::string span = line.substr(i + 1, j - i - 1);
      i = j + 1;
      if (starts_with(span, "build/")) {
        const std::string p = check_program(span);
        if (!p.empty()) problem(no, p);
      } else if (is_path(span)) {
        if (!fs::exists(span)) problem(no, "file " + span + " does not exist");
      } else {
        const std::string f = function_name(span);
        if (!f.empty() && !functions.count(f)) problem(no, "function " + span + " is not in the sources");
      }
    }
    // Links to other pages: [text](page.md#anchor).
    for (size_t i = line.find("]("); i != std::string::npos; i = line.find("](", i + 2)) {
      const size_t j = line.find(')', i + 2);
      if (j == std::string::npos) break;
      const std::string target = line.substr(i + 2, j - i - 2);
      if (starts_with(target, "http://") || starts_with(target, "https://")) continue;
      const size_t hash = target.find('#');
      const std::string file = target.substr(0, hash);
      const fs::path p = file.empty() ? notes_dir / name : notes_dir / file;
      if (!fs::exists(p)) {
        problem(no, "link to " + target + ": no file " + p.string());
      } else if (hash != std::string::npos && p.extension() == ".md") {
        const std::string anchor = target.substr(hash + 1);
        const std::string page = file.empty() ? text : read_text(p);
        if (!anchors_of(page).count(anchor)) problem(no, "link to " + target + ": no such heading");
      }
    }
  }
  return problems;
}

}  // namespace

TEST_CASE("notes: every page names files, functions, programs and headings that exist",
          "[notes]") {
  REQUIRE(fs::is_directory("notes"));  // the suites run from the repository root
  const std::set<std::string> functions = source_functions();
  REQUIRE(functions.count("margin_softmax"));
  int pages = 0;
  for (const auto& e : fs::directory_iterator("notes")) {
    if (e.path().extension() != ".md") continue;
    ++pages;
    const std::string name = e.path().filename().string();
    for (const std::string& p : check_page(name, read_text(e.path()), "notes", functions))
      FAIL_CHECK(p);
  }
  // The index, the five section pages, exercises, solutions, adding a loss.
  CHECK(pages >= 9);
}

TEST_CASE("notes: the checker reports what does not exist", "[notes]") {
  const std::set<std::string> functions = source_functions();
  const std::string good =
      "See `losses/arcface.cpp`, `arcface_target()`, `CenterLoss::after_step()` and\n"
      "[the exercises](exercises.md#normface).\n```sh\nbuild/bounds --seed 2\n```\n";
  CHECK(check_page("good.md", good, "notes", functions).empty());
  const std::string bad =
      // (split so that this file does not itself define the name it tests)
      "`losses/no_such_loss.cpp` and `no_such_" "function_anywhere()`, `build/no_such_demo`,\n"
      "[gone](no_such_page.md), [x](exercises.md#no-such-heading).\n"
      "```sh\n$ build/another_missing_demo --x\n```\n";
  const std::vector<std::string> problems = check_page("bad.md", bad, "notes", functions);
  std::string all;
  for (const std::string& p : problems) all += p + "\n";
  INFO(all);
  REQUIRE(problems.size() == 6);
  CHECK_THAT(problems[0], Catch::Contains("losses/no_such_loss.cpp"));
  CHECK_THAT(problems[1], Catch::Contains("function_anywhere()"));
  CHECK_THAT(problems[2], Catch::Contains("build/no_such_demo"));
  CHECK_THAT(problems[3], Catch::Contains("no_such_page.md"));
  CHECK_THAT(problems[4], Catch::Contains("no such heading"));
  CHECK_THAT(problems[5], Catch::Contains("build/another_missing_demo"));
  CHECK(slug("5.1 L-Softmax") == "51-l-softmax");
}
