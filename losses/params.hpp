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
#include <utility>
#include <vector>

#include "losses/loss.hpp"

namespace fg {

// The largest scale of logits or features a loss accepts (s, CoCo's and
// L2-Softmax's alpha): the lecture's scales are 10 to 64, and at 1000 a cosine
// gap of 0.01 already makes the softmax a hard max (e^10 : 1).
constexpr double kMaxScale = 1000;

// The allowed values of one parameter: numbers in an interval, or one of a
// few words (a mining rule). Every parameter of a registered loss states a
// finite interval or its words (tests/test_registry.cpp holds them to it), so
// a value like s=1e30 is refused when the objective is read.
struct Range {
  double lo = -1e300, hi = 1e300;
  bool lo_open = false, hi_open = false;
  bool integer = false;
  std::vector<std::string> words;  // non-empty: the value is one of these words

  static Range any() { return {}; }
  static Range positive() { return {0, 1e300, true, false, false, {}}; }          // (0, inf)
  static Range nonneg() { return {0, 1e300, false, false, false, {}}; }           // [0, inf)
  static Range positive_upto(double hi) { return {0, hi, true, false, false, {}}; }  // (0, hi]
  static Range open(double lo, double hi) { return {lo, hi, true, true, false, {}}; }
  static Range closed(double lo, double hi) { return {lo, hi, false, false, false, {}}; }
  static Range integers(double lo, double hi = 1e300) { return {lo, hi, false, false, true, {}}; }
  static Range flag() { return integers(0, 1); }
  static Range one_of(std::vector<std::string> w) { return {0, 0, false, false, false, std::move(w)}; }

  bool contains(double v) const;  // false for a word range
  bool bounded() const { return !words.empty() || (lo > -1e300 && hi < 1e300); }
  // "(0, inf)", "[0, 1.5708]", "an integer >= 1", "0 or 1", "one of all, hard, easy"
  std::string str() const;
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
