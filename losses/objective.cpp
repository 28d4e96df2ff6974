// Objectives as weighted sums of registered losses: the parser of
// losses/objective.hpp's grammar, and the sum with its terms wired together.
//
// notes: notes/04-euclidean-family.md#48-sums-of-losses
#include "losses/objective.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/ops.hpp"
#include "losses/center.hpp"
#include "losses/params.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

// "objective "TEXT", term N at column C: MESSAGE" with TEXT repeated below
// and the characters [begin, end) underlined.
[[noreturn]] void fail(const std::string& text, int term, size_t begin, size_t end,
                       const std::string& message) {
  if (end <= begin) end = begin + 1;
  std::string mark(begin, ' ');
  mark += std::string(end - begin, '^');
  throw Error("objective \"" + text + "\", term " + std::to_string(term) + " at column " +
              std::to_string(begin + 1) + ": " + message + "\n  " + text + "\n  " + mark);
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  std::vector<TermSpec> run() {
    std::vector<TermSpec> terms;
    skip();
    if (i_ == s_.size()) throw Error("objective: empty; write e.g. softmax+0.01*center");
    while (true) {
      terms.push_back(term(int(terms.size()) + 1));
      skip();
      if (i_ == s_.size()) return terms;
      if (s_[i_] != '+') {
        const std::string hint = s_[i_] == '*' ? " (write the weight first, e.g. 0.01*center)" : "";
        fail(s_, int(terms.size()), i_, i_ + 1,
             std::string("unexpected '") + s_[i_] + "', expected '+' or the end" + hint);
      }
      ++i_;
    }
  }

 private:
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  std::string word() {
    const size_t b = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    return s_.substr(b, i_ - b);
  }
  // A value runs to the next ',' '+' or space, except the sign of an exponent (1e+3).
  std::string value() {
    const size_t b = i_;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ',' || std::isspace(static_cast<unsigned char>(c))) break;
      if (c == '+' &&
          !(i_ >= b + 2 && (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E') &&
            (std::isdigit(static_cast<unsigned char>(s_[i_ - 2])) || s_[i_ - 2] == '.')))
        break;
      ++i_;
    }
    return s_.substr(b, i_ - b);
  }

  TermSpec term(int no) {
    TermSpec t;
    skip();
    t.begin = i_;
    if (i_ == s_.size() || s_[i_] == '+')
      fail(s_, no, i_, i_ + 1, "empty term; expected a loss name, e.g. center or 0.01*center");
    const char c = s_[i_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-') {
      char* stop = nullptr;
      t.weight = std::strtod(s_.c_str() + i_, &stop);
      const size_t after = size_t(stop - s_.c_str());
      if (after == i_) fail(s_, no, i_, i_ + 1, "expected a weight or a loss name");
      const size_t wb = i_;
      i_ = after;
      skip();
      if (i_ == s_.size() || s_[i_] != '*')
        fail(s_, no, wb, i_, "a weight must be followed by '*' and a loss name, e.g. 0.01*center");
      if (!std::isfinite(t.weight) || t.weight <= 0)
        fail(s_, no, wb, after,
             "the weight must be a number > 0, got " + s_.substr(wb, after - wb));
      // The sum is computed in real: a weight that type cannot hold would become inf.
      if (t.weight > double(std::numeric_limits<real>::max()))
        fail(s_, no, wb, after,
             "the weight " + s_.substr(wb, after - wb) +
                 " is beyond the range of the scalar type; allowed: a number in (0, " +
                 num_str(double(std::numeric_limits<real>::max())) + "]");
      ++i_;
      skip();
    }
    const size_t nb = i_;
    t.name = word();
    if (t.name.empty()) fail(s_, no, nb, nb + 1, "expected a loss name");
    skip();
    if (i_ < s_.size() && s_[i_] == ':') {
      ++i_;
      while (true) {
        skip();
        const size_t kb = i_;
        const std::string key = word();
        if (key.empty() || i_ >= s_.size() || s_[i_] != '=')
          fail(s_, no, kb, i_ + 1, "expected key=value after '" + t.name + ":'");
        ++i_;
        const std::string v = value();
        if (v.empty()) fail(s_, no, kb, i_ + 1, "parameter " + key + " has no value");
        t.params[key] = v;
        skip();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        break;
      }
    }
    t.end = i_;
    while (t.end > t.begin && std::isspace(static_cast<unsigned char>(s_[t.end - 1]))) --t.end;
    return t;
  }

  const std::string& s_;
  size_t i_ = 0;
};

std::string written(const TermSpec& t) {
  std::string out = t.weight == 1 ? "" : num_str(t.weight) + "*";
  out += t.name;
  char sep = ':';
  for (const auto& kv : t.params) out += sep + kv.first + "=" + kv.second, sep = ',';
  return out;
}

}  // namespace

std::vector<TermSpec> parse_objective(const std::string& text) { return Parser(text).run(); }

Objective::Objective(const std::string& text, const LossContext& ctx, const LossParams& extra) {
  std::vector<TermSpec> specs = parse_objective(text);
  for (size_t k = 0; k < specs.size(); ++k)
    for (size_t j = 0; j < k; ++j)
      if (specs[k].name == specs[j].name)
        fail(text, int(k) + 1, specs[k].begin, specs[k].end,
             "'" + specs[k].name +
                 "' appears twice; each loss may appear once (give it one weight)");
  // Parameters from outside the string: term.key=value (or key=value with one term).
  for (const auto& kv : extra) {
    const size_t dot = kv.first.find('.');
    std::string term = dot == std::string::npos ? "" : kv.first.substr(0, dot);
    const std::string key = dot == std::string::npos ? kv.first : kv.first.substr(dot + 1);
    if (term.empty() && specs.size() == 1) term = specs[0].name;
    bool found = false;
    for (TermSpec& t : specs)
      if (t.name == term) t.params[key] = kv.second, found = true;
    if (!found) {
      std::string names;
      for (const TermSpec& t : specs) names += (names.empty() ? "" : ", ") + t.name;
      throw Error("objective \"" + text + "\": parameter '" + kv.first + "=" + kv.second + "' " +
                  (term.empty() ? "does not say its term; write term." + key + "=..."
                                : "names no term of the objective") +
                  "; its terms: " + names);
    }
  }
  for (size_t k = 0; k < specs.size(); ++k) {
    const TermSpec& t = specs[k];
    try {
      terms_.push_back({t.name, t.weight, make_loss(t.name, t.params, ctx)});
    } catch (const Error& e) {
      fail(text, int(k) + 1, t.begin, t.end, e.what());
    }
    name_ += (k ? "+" : "") + written(t);
  }
  last_values_.assign(terms_.size(), 0.0);

  // Wiring: the centre losses share one table of centres; init_from_w reads the first W.
  CenterLoss* center = nullptr;
  for (Term& t : terms_)
    if (!center) center = dynamic_cast<CenterLoss*>(t.loss.get());
  for (size_t k = 0; k < terms_.size(); ++k) {
    if (auto* ci = dynamic_cast<CenterInvariantLoss*>(terms_[k].loss.get())) {
      ci->set_weight(real(terms_[k].weight));
      if (center) ci->share_centers_of(center);
    }
    if (auto* c = dynamic_cast<CenterLoss*>(terms_[k].loss.get()); c && c->wants_class_weights()) {
      const Loss* source = nullptr;
      for (const Term& t : terms_)
        if (!source && !t.loss->class_weights().empty()) source = t.loss.get();
      if (!source)
        fail(text, int(k) + 1, specs[k].begin, specs[k].end,
             "init_from_w=1 needs a term with class weights W (softmax, normface, arcface, ...)");
      c->set_class_weight_source([source] { return source->class_weights(); });
    }
  }
}

Var Objective::forward(const LossInput& in) {
  Var total;
  for (size_t k = 0; k < terms_.size(); ++k) {
    Var v = terms_[k].loss->forward(in);
    last_values_[k] = double(v.value()[0]);
    if (terms_[k].weight != 1) v = mul(v, real(terms_[k].weight));
    const double weighted = double(last_values_[k]) * terms_[k].weight;
    if (std::isfinite(last_values_[k]) && !std::isfinite(double(v.value()[0])))
      throw Error("objective " + name_ + ": term " + std::to_string(k + 1) + " (" +
                  terms_[k].name + ") is " + num_str(last_values_[k]) + ", times its weight " +
                  num_str(terms_[k].weight) + " that is " + num_str(weighted) +
                  ", beyond the range of the scalar type; use a smaller weight");
    total = k == 0 ? v : add(total, v);
    if (!std::isfinite(double(total.value()[0])) && std::isfinite(double(v.value()[0]))) {
      std::string terms;
      for (size_t j = 0; j <= k; ++j)
        terms += (j ? ", " : "") + terms_[j].name + " " + num_str(last_values_[j]);
      throw Error("objective " + name_ + ": the weighted sum of its terms (" + terms +
                  ") is beyond the range of the scalar type; use smaller weights");
    }
  }
  return total;
}

std::vector<NamedVar> Objective::parameters() {
  std::vector<NamedVar> out;
  for (Term& t : terms_)
    for (auto& p : t.loss->parameters()) out.emplace_back(t.name + "." + p.first, p.second);
  return out;
}

Loss& Objective::term_for(const std::string& key, std::string& rest) const {
  const size_t dot = key.find('.');
  if (dot == std::string::npos && terms_.size() == 1) {
    rest = key;
    return *terms_[0].loss;
  }
  if (dot != std::string::npos)
    for (const Term& t : terms_)
      if (t.name == key.substr(0, dot)) {
        rest = key.substr(dot + 1);
        return *t.loss;
      }
  std::string names;
  for (const Term& t : terms_) names += (names.empty() ? "" : ", ") + t.name;
  throw Error("objective " + name_ + ": no term for parameter '" + key +
              "'; write term.key with a term of: " + names);
}

void Objective::set_parameter(const std::string& key, const Var& value) {
  std::string rest;
  Loss& l = term_for(key, rest);
  l.set_parameter(rest, value);
}

void Objective::set_iteration(int64_t t) {
  for (Term& x : terms_) x.loss->set_iteration(t);
}

void Objective::after_step() {
  for (Term& x : terms_) x.loss->after_step();
}

std::string Objective::describe() const {
  std::string out;
  for (size_t k = 0; k < terms_.size(); ++k) {
    if (k) out += " + ";
    if (terms_[k].weight != 1) out += num_str(terms_[k].weight) + " * ";
    out += terms_[k].loss->describe();
  }
  return out;
}

Tensor Objective::class_weights() const {
  for (const Term& t : terms_) {
    Tensor W = t.loss->class_weights();
    if (!W.empty()) return W;
  }
  return Tensor();
}

std::unique_ptr<Objective> make_objective(const std::string& text, const LossContext& ctx,
                                          const LossParams& extra) {
  return std::make_unique<Objective>(text, ctx, extra);
}

}  // namespace fg
