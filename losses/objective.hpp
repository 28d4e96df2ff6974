// Objectives as sums: a training objective is a weighted sum of registered
// losses, written the way the lecture writes it,
//
//   softmax+0.01*center                       L_SM + lambda L_C
//   normface+0.1*center+0.01*center_invariant
//   softmax+range
//   triplet:mining=semihard,alpha=0.3
//
// Grammar (spaces around the symbols are allowed):
//
//   objective := term ('+' term)*
//   term      := [weight '*'] name [':' key '=' value (',' key '=' value)*]
//
// weight is a number > 0 (default 1), name a registered loss, and the
// key=value pairs are that term's parameters (losses/registry.hpp). Each loss
// may appear once, so a term is also addressed by its name: parameters given
// outside the string (a command line) are written term.key=value
// ("center.alpha_c=0.3"; a plain key=value is accepted when there is a single
// term) and override those in the string. Errors name the offending term, its
// number and column, and mark it under the string:
//
//   objective "softmax+0.01*centre", term 2 at column 9: unknown loss 'centre'; valid: ...
//     softmax+0.01*centre
//             ^^^^^^^^^^^
//
// The terms work together where the lecture combines them: center_invariant
// shares (and moves) the centres of a center term; center with
// init_from_w=1 starts its centres from the W of the first term that has
// class weights.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "losses/loss.hpp"

namespace fg {

// One term as written: weight, name, parameters, and where it stands in the
// string (characters [begin, end), 0-based).
struct TermSpec {
  double weight = 1;
  std::string name;
  LossParams params;
  size_t begin = 0, end = 0;
};

// The terms of an objective string, checked for syntax only (names and
// parameters are checked when the losses are built).
std::vector<TermSpec> parse_objective(const std::string& text);

class Objective : public Loss {
 public:
  struct Term {
    std::string name;
    double weight;
    std::unique_ptr<Loss> loss;
  };

  Objective(const std::string& text, const LossContext& ctx, const LossParams& extra = {});

  // The objective as written, normalised: "softmax+0.01*center:alpha_c=0.3".
  std::string name() const override { return name_; }
  // sum_k weight_k L_k(h, y); each term's own value is kept in last_values().
  Var forward(const LossInput& in) override;
  // Every term's parameters, named "term.key" ("softmax.W", "tse.T").
  std::vector<NamedVar> parameters() override;
  // "term.key"; a plain key when there is a single term.
  void set_parameter(const std::string& key, const Var& value) override;
  void set_iteration(int64_t t) override;
  void after_step() override;
  // "softmax + 0.01 * center alpha_c=0.5": each term's own describe().
  std::string describe() const override;
  // W of the first term that has class weights; empty if none has.
  Tensor class_weights() const override;
  // The scoring of the term that classifies: the first with class weights
  // (the one class_weights() returns), else the first term.
  Scoring scoring() const override;

  size_t size() const { return terms_.size(); }
  const Term& term(size_t i) const { return terms_.at(i); }
  // Each term's unweighted value in the last forward (for logs and plots).
  const std::vector<double>& last_values() const { return last_values_; }

 private:
  Loss& term_for(const std::string& key, std::string& rest) const;

  std::string name_;
  std::vector<Term> terms_;
  std::vector<double> last_values_;
};

std::unique_ptr<Objective> make_objective(const std::string& text, const LossContext& ctx,
                                          const LossParams& extra = {});

}  // namespace fg
