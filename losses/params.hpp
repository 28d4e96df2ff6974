// Loss parameters written as key=value: what each loss accepts, and reading
// the values with range checks whose errors say what is allowed.
//
//   "unknown parameter 'x' for arcface; valid: s, m, easy_margin, warmup"
//   "arcface: m = -0.1 is out of range; allowed: [0, 1.5708]"
//
// A loss declares its parameters once, as ParamSpecs (key, default, range,
// help); the registry prints them for --help and the loss reads its values
// through a ParamReader built from the same list, so the help text and the
// checks cannot drift apart.
#pragma once

#include <string>
#include <vector>

#include "losses/loss.hpp"

namespace fg {

// The allowed values of one parameter.
struct Range {
  double lo = -1e300, hi = 1e300;
  bool lo_open = false, hi_open = false;
  bool integer = false;

  static Range any() { return {}; }
  static Range positive() { return {0, 1e300, true, false, false}; }          // (0, inf)
  static Range nonneg() { return {0, 1e300, false, false, false}; }           // [0, inf)
  static Range open(double lo, double hi) { return {lo, hi, true, true, false}; }
  static Range closed(double lo, double hi) { return {lo, hi, false, false, false}; }
  static Range integers(double lo, double hi = 1e300) { return {lo, hi, false, false, true}; }
  static Range flag() { return integers(0, 1); }

  bool contains(double v) const;
  std::string str() const;  // "(0, inf)", "[0, 1.5708]", "an integer >= 1", "0 or 1"
};

struct ParamSpec {
  std::string key;
  std::string default_text;  // as shown in help; a number unless the loss computes it
  Range range;
  std::string help;
};

// "k=v" words into LossParams; a word without '=' or with an empty key or
// value is an fg::Error naming it. A repeated key: the last one wins.
LossParams parse_key_values(const std::vector<std::string>& words);

// Throws "unknown parameter 'x' for NAME; valid: a, b, c" for any key of p
// that is not in specs.
void check_param_names(const std::string& loss, const LossParams& p,
                       const std::vector<ParamSpec>& specs);

// One line per parameter: "  key=default   help; allowed: range".
std::string params_help(const std::vector<ParamSpec>& specs);

// Reads the values of one loss's parameters, each checked against its range.
// A key that is absent takes the spec's default_text (which must then be a number).
class ParamReader {
 public:
  ParamReader(std::string loss, const LossParams& p, const std::vector<ParamSpec>& specs);
  bool has(const std::string& key) const;
  double real_value(const std::string& key) const;
  int int_value(const std::string& key) const;
  bool flag(const std::string& key) const;
  // The value as given, or the default text (for a word such as mining=hard).
  std::string text(const std::string& key) const;

 private:
  const ParamSpec& spec(const std::string& key) const;
  double parse(const ParamSpec& s, const std::string& text, bool given) const;

  std::string loss_;
  LossParams p_;
  std::vector<ParamSpec> specs_;
};

// "1000", "0.35", "64": a number printed short (for describe() and help).
std::string num_str(double v);

}  // namespace fg
