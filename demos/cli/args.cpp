#include "demos/cli/args.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>

namespace fg {

namespace {

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string num_str(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

bool is_flag_token(const std::string& t) { return t.size() > 2 && t[0] == '-' && t[1] == '-'; }

}  // namespace

Args::Args(int argc, char** argv, std::string usage)
    : program_(argc > 0 ? base_name(argv[0]) : "program"), usage_(std::move(usage)) {
  for (int i = 1; i < argc; ++i) tokens_.push_back({argv[i]});
}

Args::Args(std::vector<std::string> tokens, std::string usage, std::string program)
    : program_(std::move(program)), usage_(std::move(usage)) {
  for (auto& t : tokens) tokens_.push_back({std::move(t)});
}

void Args::fail(const std::string& flag, const std::string& msg) const {
  throw ArgError(flag.empty() ? msg : flag + ": " + msg, usage_);
}

void Args::note(const std::string& flag, const std::string& value_name, const std::string& help,
                const std::string& def) {
  known_.push_back(flag);
  std::string left = flag + (value_name.empty() ? "" : " " + value_name);
  std::string right = help + (def.empty() ? "" : " (default " + def + ")");
  options_.emplace_back(std::move(left), std::move(right));
}

bool Args::has(const std::string& flag) const {
  for (const Token& t : tokens_)
    if (t.text == flag || t.text.rfind(flag + "=", 0) == 0) return true;
  return false;
}

std::optional<std::string> Args::find_value(const std::string& flag, const std::string& expect) {
  std::optional<std::string> value;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    Token& t = tokens_[i];
    if (t.used) continue;
    const bool bare = t.text == flag, joined = t.text.rfind(flag + "=", 0) == 0;
    if (!bare && !joined) continue;
    if (value) fail(flag, "given more than once");
    t.used = true;
    if (joined) {
      value = t.text.substr(flag.size() + 1);
    } else {
      if (i + 1 >= tokens_.size() || is_flag_token(tokens_[i + 1].text))
        fail(flag, "needs a value (expected " + expect + ")");
      tokens_[i + 1].used = true;
      value = tokens_[i + 1].text;
    }
  }
  return value;
}

std::string Args::get_string(const std::string& flag, const std::string& def,
                             const std::string& help, const std::string& value_name) {
  note(flag, value_name, help, def.empty() ? "" : "'" + def + "'");
  auto v = find_value(flag, "some text");
  if (v && v->empty()) fail(flag, "the value is empty");
  return v ? *v : def;
}

int64_t Args::get_int64(const std::string& flag, int64_t def, int64_t lo, int64_t hi,
                        const std::string& help) {
  note(flag, "N", help, std::to_string(def));
  const std::string expect = std::to_string(lo) + ".." + std::to_string(hi);
  auto v = find_value(flag, "a whole number " + expect);
  if (!v) return def;
  errno = 0;
  char* end = nullptr;
  const long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0')
    fail(flag, "'" + *v + "' is not a whole number (expected " + expect + ")");
  if (errno == ERANGE || x < lo || x > hi)
    fail(flag, "'" + *v + "' is out of range (expected " + expect + ")");
  return x;
}

int Args::get_int(const std::string& flag, int def, int lo, int hi, const std::string& help) {
  return static_cast<int>(get_int64(flag, def, lo, hi, help));
}

double Args::get_double(const std::string& flag, double def, double lo, double hi,
                        const std::string& help) {
  note(flag, "X", help, num_str(def));
  const std::string expect = num_str(lo) + ".." + num_str(hi);
  auto v = find_value(flag, "a number " + expect);
  if (!v) return def;
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !std::isfinite(x))
    fail(flag, "'" + *v + "' is not a number (expected " + expect + ")");
  if (errno == ERANGE || x < lo || x > hi)
    fail(flag, "'" + *v + "' is out of range (expected " + expect + ")");
  return x;
}

std::string Args::get_choice(const std::string& flag, const std::string& def,
                             const std::vector<std::string>& choices, const std::string& help) {
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
  note(flag, list, help, def);
  auto v = find_value(flag, "one of " + list);
  if (!v) return def;
  for (const auto& c : choices)
    if (*v == c) return c;
  fail(flag, "'" + *v + "' is not one of " + list);
}

bool Args::get_flag(const std::string& flag, const std::string& help) {
  note(flag, "", help, "");
  bool on = false, seen = false;
  for (Token& t : tokens_) {
    if (t.used) continue;
    std::string value;
    if (t.text == flag) {
      value = "yes";
    } else if (t.text.rfind(flag + "=", 0) == 0) {
      value = t.text.substr(flag.size() + 1);
    } else {
      continue;
    }
    if (seen) fail(flag, "given more than once");
    seen = t.used = true;
    if (value == "yes" || value == "true" || value == "1")
      on = true;
    else if (value == "no" || value == "false" || value == "0")
      on = false;
    else
      fail(flag, "'" + value + "' is not yes or no");
  }
  return on;
}

std::map<std::string, std::string> Args::key_values(const std::string& help) {
  options_.emplace_back("key=value ...", help);
  std::map<std::string, std::string> out;
  for (Token& t : tokens_) {
    if (t.used || t.text.empty() || t.text[0] == '-') continue;
    const size_t eq = t.text.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = t.text.substr(0, eq);
    if (key.empty()) fail("", "'" + t.text + "': a parameter needs a name before '='");
    if (!out.emplace(key, t.text.substr(eq + 1)).second)
      fail("", "the parameter '" + key + "' is given more than once");
    t.used = true;
  }
  return out;
}

std::string Args::help_text() const {
  std::ostringstream os;
  os << "usage: " << usage_ << "\n\noptions:\n";
  size_t width = 0;
  for (const auto& o : options_) width = std::max(width, o.first.size());
  for (const auto& o : options_)
    os << "  " << o.first << std::string(width - o.first.size() + 2, ' ') << o.second << "\n";
  os << "  --help" << std::string(width >= 6 ? width - 6 + 2 : 2, ' ') << "this text\n";
  return os.str();
}

void Args::finish() {
  for (const Token& t : tokens_)
    if (!t.used && (t.text == "--help" || t.text == "-h")) throw HelpRequested(help_text());
  for (const Token& t : tokens_) {
    if (t.used) continue;
    if (is_flag_token(t.text) || (t.text.size() > 1 && t.text[0] == '-' &&
                                  !std::isdigit(static_cast<unsigned char>(t.text[1])))) {
      const std::string name = t.text.substr(0, t.text.find('='));
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      fail("", "unknown option " + name + " (known: " + list + ", --help)");
    }
    fail("", "unexpected argument '" + t.text + "'");
  }
}

int run_main(int argc, char** argv, const std::function<int()>& body) {
  const std::string program = argc > 0 ? base_name(argv[0]) : "program";
  try {
    return body();
  } catch (const HelpRequested& h) {
    std::fputs(h.text.c_str(), stdout);
    return 0;
  } catch (const ArgError& e) {
    std::fprintf(stderr, "%s: %s\nusage: %s\n(%s --help lists the options)\n", program.c_str(),
                 e.what(), e.usage.c_str(), program.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), e.what());
    return 1;
  }
}

}  // namespace fg
