// The checker behind tests/test_notes.cpp: what a page of notes/ may name
// and quote, and the pointers of the loss files to their sections.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace notes_check {

namespace fs = std::filesystem;


inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Every identifier followed by '(' in the sources: the functions a page may name.
inline std::set<std::string> source_functions() {
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

// Every Catch2 test name in tests/*.cpp (the first string of each TEST_CASE).
inline std::set<std::string> test_names() {
  std::set<std::string> names;
  const std::string open = "TEST_CASE(\"";
  for (const auto& e : fs::directory_iterator("tests")) {
    if (e.path().extension() != ".cpp") continue;
    const std::string s = read_text(e.path());
    for (size_t i = s.find(open); i != std::string::npos; i = s.find(open, i + 1)) {
      const size_t b = i + open.size(), q = s.find('"', b);
      if (q != std::string::npos) names.insert(s.substr(b, q - b));
    }
  }
  return names;
}

// What `build/bounds --notes` prints: "key value" per line.
inline std::map<std::string, std::string> program_facts() {
  std::map<std::string, std::string> facts;
  FILE* p = popen("build/bounds --notes 2>&1", "r");
  if (!p) return facts;
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  if (pclose(p) != 0) return facts;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const size_t sp = line.find(' ');
    if (sp != std::string::npos) facts[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return facts;
}

// What the pages are checked against.
struct Sources {
  std::set<std::string> functions, tests;
  std::map<std::string, std::string> facts;
};

// The value a `<!-- fact KEY -->` mark stands behind: the text before it,
// without trailing blanks and backticks, from its last '[' when it ends in
// ']' ("[1, 10]"), else its last run of letters, digits and ". + - _"
// ("s = 64" -> "64", "1.1e3").
inline std::string value_before(const std::string& before) {
  size_t end = before.size();
  while (end > 0 && (before[end - 1] == ' ' || before[end - 1] == '`')) --end;
  const std::string t = before.substr(0, end);
  if (!t.empty() && t.back() == ']') {
    const size_t b = t.rfind('[');
    return b == std::string::npos ? "" : t.substr(b);
  }
  size_t b = t.size();
  while (b > 0 && (ident_char(t[b - 1]) || t[b - 1] == '.' || t[b - 1] == '+' || t[b - 1] == '-')) --b;
  return t.substr(b);
}

// GitHub's anchor of a heading: lower case, spaces to '-', punctuation
// other than '-' and '_' dropped (bytes of non-ASCII letters kept).
inline std::string slug(const std::string& heading) {
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

inline std::set<std::string> anchors_of(const std::string& page) {
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

inline bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// "build/NAME ...": NAME must be a program of demos/ (or a suite the Makefile builds).
inline std::string check_program(const std::string& text) {
  std::string name = text.substr(6);
  name = name.substr(0, name.find_first_of(" /"));
  if (name.empty() || name == "test-float" || name == "test-double" || name == "test-asan" ||
      name == "bench" || fs::exists("demos/" + name + ".cpp"))
    return "";
  return "program build/" + name + " (no demos/" + name + ".cpp)";
}

inline bool is_path(const std::string& s) {
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
inline std::string function_name(const std::string& s) {
  if (s.size() < 3 || s.compare(s.size() - 2, 2, "()") != 0) return "";
  const std::string body = s.substr(0, s.size() - 2);
  for (char c : body)
    if (!(ident_char(c) || c == ':')) return "";
  if (body.empty() || std::isdigit(static_cast<unsigned char>(body[0]))) return "";
  const size_t colon = body.rfind(':');
  return colon == std::string::npos ? body : body.substr(colon + 1);
}

// The problems of one page (`name` is its file name in notes_dir).
inline std::vector<std::string> check_page(const std::string& name, const std::string& text,
                                    const fs::path& notes_dir, const Sources& src,
                                    std::set<std::string>* facts_used = nullptr) {
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
        if (!f.empty() && !src.functions.count(f)) problem(no, "function " + span + " is not in the sources");
        if (starts_with(span, "test: ") && !src.tests.count(span.substr(6)))
          problem(no, "test \"" + span.substr(6) + "\" is not a TEST_CASE of tests/");
      }
    }
    // Numbers quoted from the program: VALUE <!-- fact KEY -->.
    const std::string mark = "<!-- fact ";
    for (size_t i = line.find(mark); i != std::string::npos; i = line.find(mark, i + 1)) {
      const size_t e = line.find(" -->", i);
      if (e == std::string::npos) break;
      const std::string key = line.substr(i + mark.size(), e - i - mark.size());
      const std::string value = value_before(line.substr(0, i));
      if (facts_used) facts_used->insert(key);
      const auto it = src.facts.find(key);
      if (it == src.facts.end())
        problem(no, "fact " + key + " is not printed by build/bounds --notes");
      else if (it->second != value)
        problem(no, "fact " + key + ": the page says " + value + ", build/bounds --notes prints " +
                        it->second);
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

// The text under the heading whose anchor is `anchor`, up to the next heading
// of the same or a higher level ("" when there is no such heading).
inline std::string section_of(const std::string& page, const std::string& anchor) {
  std::istringstream in(page);
  std::string line, out;
  bool fenced = false;
  size_t level = 0;  // 0: not inside the section yet
  while (std::getline(in, line)) {
    if (starts_with(line, "```")) fenced = !fenced;
    const size_t b = fenced || line.empty() || line[0] != '#' ? 0 : line.find_first_not_of('#');
    if (b != 0 && b != std::string::npos && line[b] == ' ') {
      if (level && b <= level) break;
      if (!level && slug(line.substr(b + 1)) == anchor) {
        level = b;
        continue;
      }
    }
    if (level) out += line + "\n";
  }
  return out;
}

// The `// notes: notes/PAGE.md#anchor` line of a source's first comment block, or "".
inline std::string notes_pointer(const std::string& source) {
  std::istringstream in(source);
  std::string line;
  while (std::getline(in, line) && starts_with(line, "//"))
    if (starts_with(line, "// notes: ")) return line.substr(10);
  return "";
}

// Problems of one loss file's pointer: the page and heading exist, and that
// section names the file in a code span.
inline std::vector<std::string> check_pointer(const std::string& file, const std::string& pointer) {
  if (pointer.empty()) return {file + ": no '// notes: notes/PAGE.md#section' line in its header"};
  const size_t hash = pointer.find('#');
  if (!starts_with(pointer, "notes/") || hash == std::string::npos)
    return {file + ": pointer '" + pointer + "' is not notes/PAGE.md#section"};
  const std::string page = pointer.substr(0, hash), anchor = pointer.substr(hash + 1);
  if (!fs::exists(page)) return {file + ": its page " + page + " does not exist"};
  const std::string text = read_text(page);
  if (!anchors_of(text).count(anchor)) return {file + ": " + page + " has no heading #" + anchor};
  if (section_of(text, anchor).find("`" + file + "`") == std::string::npos)
    return {file + ": section " + pointer + " does not name `" + file + "`"};
  return {};
}

// The numbers of a text: "1.5e-7", "+0.079", "80", "4.2784" (a sign only
// when it follows a blank or '('; "2..8" is 2 and 8).
inline std::vector<std::string> numbers_in(const std::string& t) {
  std::vector<std::string> out;
  for (size_t i = 0; i < t.size();) {
    const bool starts = std::isdigit(static_cast<unsigned char>(t[i])) &&
                        (i == 0 || !(ident_char(t[i - 1]) ||
                                     (t[i - 1] == '.' && i >= 2 && t[i - 2] != '.')));
    if (!starts) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    if (j + 1 < t.size() && t[j] == '.' && std::isdigit(static_cast<unsigned char>(t[j + 1]))) {
      ++j;
      while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    }
    if (j + 1 < t.size() && t[j] == 'e' &&
        (std::isdigit(static_cast<unsigned char>(t[j + 1])) || t[j + 1] == '-' || t[j + 1] == '+')) {
      size_t k = j + 1;
      if (t[k] == '-' || t[k] == '+') ++k;
      if (k < t.size() && std::isdigit(static_cast<unsigned char>(t[k]))) {
        j = k;
        while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
      }
    }
    out.push_back(t.substr(i, j - i));
    i = j;
  }
  return out;
}

// Does `page` (as written, e.g. "0.0015", "1.5e-7", "80") round one of
// `printed` ("0.00153", "1.54e-07", "80.0000")? Rounded to the page's last
// digit: half a unit of it.
inline bool rounds_one_of(const std::string& page, const std::vector<std::string>& printed) {
  const double v = std::stod(page);
  const size_t e = page.find('e'), dot = page.find('.');
  const std::string mant = page.substr(0, e);
  const int decimals = dot == std::string::npos || dot > mant.size() ? 0 : int(mant.size() - dot - 1);
  const int exp10 = e == std::string::npos ? 0 : std::stoi(page.substr(e + 1));
  const double half_unit = 0.5 * std::pow(10.0, exp10 - decimals) * (1 + 1e-9);
  for (const std::string& p : printed)
    if (std::abs(std::stod(p) - v) <= half_unit) return true;
  return false;
}

// Every number of each "*Measured*" paragraph of a page rounds a number that
// `build/bounds` printed (the page quotes its table, default seed).
inline std::vector<std::string> measured_problems(const std::string& name, const std::string& text,
                                                  const std::string& bounds_output) {
  const std::vector<std::string> printed = numbers_in(bounds_output);
  std::vector<std::string> problems;
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  for (int no = 1; std::getline(in, line); ++no) {
    if (starts_with(line, "*Measured")) inside = true;
    if (line.empty()) inside = false;
    if (!inside) continue;
    for (const std::string& n : numbers_in(line))
      if (!rounds_one_of(n, printed))
        problems.push_back(name + ":" + std::to_string(no) + ": measured " + n +
                           " is not printed by build/bounds");
  }
  return problems;
}

// What a shell command prints on stdout ("" if it fails).
inline std::string command_output(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  return pclose(p) == 0 ? out : "";
}

}  // namespace notes_check
