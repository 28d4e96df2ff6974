// Objectives as weighted sums: the parser and its errors (each pointing at
// the offending term), the sum and its gradient, parameters by term, and the
// centre losses working together (the paper's rule, the shared centres,
// starting from W).
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include <cmath>

#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "losses/center.hpp"
#include "losses/euclidean.hpp"
#include "losses/objective.hpp"
#include "losses/registry.hpp"
#include "tests/loss_train_util.hpp"
#include "tests/tensor_test_util.hpp"

using namespace fg;
using fg_test::rnd;
using Catch::Contains;

namespace {

const LossContext kCtx{3, 2, 4};

}  // namespace

TEST_CASE("objective: parsing the lecture's sums", "[objective]") {
  auto t = parse_objective("normface+0.1*center+0.01*center_invariant");
  REQUIRE(t.size() == 3);
  CHECK(t[0].name == "normface");
  CHECK(t[0].weight == 1);
  CHECK(t[1].name == "center");
  CHECK(t[1].weight == Approx(0.1));
  CHECK(t[2].weight == Approx(0.01));
  // "normface+0.1*center+" is 8 + 1 + 10 + 1 = 20 characters; "0.01*center_invariant" 21.
  CHECK(t[2].begin == 20);
  CHECK(t[2].end == 41);
  // Parameters per term, spaces, an exponent with its sign, a leading dot.
  t = parse_objective(" softmax : bias=1 + 1e+1 * center:alpha_c=0.3, init_from_w=1 +.5*range ");
  REQUIRE(t.size() == 3);
  CHECK(t[0].params == LossParams{{"bias", "1"}});
  CHECK(t[1].weight == Approx(10));
  CHECK(t[1].params == LossParams{{"alpha_c", "0.3"}, {"init_from_w", "1"}});
  CHECK(t[2].weight == Approx(0.5));
  CHECK(t[2].name == "range");
  t = parse_objective("triplet:mining=semihard,alpha=2e-1");
  REQUIRE(t.size() == 1);
  CHECK(t[0].params == LossParams{{"mining", "semihard"}, {"alpha", "2e-1"}});
}

TEST_CASE("objective: errors name the term, its column, and mark it", "[objective]") {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      make_objective(text, kCtx);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  std::string e = error_of("softmax+0.01*centre");
  CHECK_THAT(e, Contains("term 2 at column 9") && Contains("unknown loss 'centre'") &&
                    Contains("center_invariant"));  // the valid names are listed
  CHECK_THAT(e, Contains("\n  softmax+0.01*centre\n          ^^^^^^^^^^^"));
  CHECK_THAT(error_of("softmax+0.01*center:alpha_c=5"),
             Contains("term 2") && Contains("alpha_c") && Contains("[0, 1]"));
  CHECK_THAT(error_of("softmax+center:lambda=1"),
             Contains("term 2") && Contains("unknown parameter 'lambda'") && Contains("alpha_c"));
  CHECK_THAT(error_of("softmax+0*center"), Contains("term 2") && Contains("> 0"));
  CHECK_THAT(error_of("-1*softmax"), Contains("term 1") && Contains("> 0"));
  CHECK_THAT(error_of("softmax+0.01 center"), Contains("term 2") && Contains("'*'"));
  CHECK_THAT(error_of("softmax*0.01+center"), Contains("term 1") && Contains("weight first"));
  CHECK_THAT(error_of("softmax+"), Contains("term 2") && Contains("empty term"));
  CHECK_THAT(error_of("softmax++center"), Contains("term 2") && Contains("empty term"));
  CHECK_THAT(error_of("   "), Contains("empty"));
  CHECK_THAT(error_of("center+softmax+0.1*center"), Contains("term 3") && Contains("twice"));
  CHECK_THAT(error_of("softmax+center:alpha_c"), Contains("term 2") && Contains("key=value"));
  CHECK_THAT(error_of("softmax+center:alpha_c="), Contains("term 2") && Contains("no value"));
  CHECK_THAT(error_of("triplet+center:init_from_w=1"),
             Contains("term 2") && Contains("class weights W"));
  // Parameters from outside the string.
  REQUIRE_THROWS_WITH(make_objective("softmax+center", kCtx, {{"alpha_c", "0.3"}}),
                      Contains("center.alpha_c") || Contains("term.alpha_c"));
  REQUIRE_THROWS_WITH(make_objective("softmax+center", kCtx, {{"range.k", "3"}}),
                      Contains("names no term") && Contains("softmax, center"));
  REQUIRE_THROWS_WITH(make_objective("softmax+center", kCtx, {{"center.alpha_c", "7"}}),
                      Contains("term 2") && Contains("[0, 1]"));
}

TEST_CASE("objective: the weighted sum, its gradient, parameters by term", "[objective]") {
  auto obj = make_objective("softmax+0.01*center+0.5*range", kCtx, {{"range.margin", "3"}});
  CHECK(obj->name() == "softmax+0.01*center+0.5*range:margin=3");
  CHECK_THAT(obj->describe(), Contains("softmax") && Contains(" + 0.01 * center alpha_c=0.5") &&
                                  Contains("0.5 * range k=2 margin=3"));
  // Parameters are prefixed by their term; the centres are not among them.
  auto params = obj->parameters();
  REQUIRE(params.size() == 1);
  CHECK(params[0].first == "softmax.W");
  CHECK(obj->class_weights().shape() == Shape{3, 2});
  // The sum against the terms built alone (same context, so the same W).
  const Tensor h = rnd({6, 2}, 1), c = rnd({3, 2}, 2);
  const std::vector<int> y = {0, 1, 2, 0, 1, 1};
  obj->set_parameter("center.centers", constant(c));
  auto softmax = make_loss("softmax", {}, kCtx);
  auto range = make_loss("range", {{"margin", "3"}}, kCtx);
  const double expect = softmax->forward({constant(h), y, nullptr}).value()[0] +
                        0.01 * center_loss(constant(h), constant(c), y).value()[0] +
                        0.5 * range->forward({constant(h), y, nullptr}).value()[0];
  CHECK(obj->forward({constant(h), y, nullptr}).value()[0] == Approx(expect).epsilon(1e-5));
  CHECK(obj->last_values()[1] == Approx(center_loss(constant(h), constant(c), y).value()[0]));
  // Finite differences through the objective, with W and the centres as inputs.
  CheckResult r = gradcheck(
      [&](const std::vector<Var>& v) {
        obj->set_parameter("softmax.W", v[1]);
        obj->set_parameter("center.centers", v[2]);
        return obj->forward({v[0], y, nullptr});
      },
      {h, rnd({3, 2}, 3), c});
  CHECK_PASSES(r);
  REQUIRE_THROWS_WITH(obj->set_parameter("W", param(c)), Contains("term.key"));
  // A single term is addressed with or without its name.
  auto single = make_objective("triplet", kCtx, {{"alpha", "0.3"}});
  CHECK_THAT(single->describe(), Contains("alpha=0.3"));
}

TEST_CASE("objective: softmax+0.01*center moves the centres by the paper's rule", "[objective]") {
  for (const char* text : {"softmax+0.01*center", "softmax+center"}) {
    INFO(text);  // the rule does not depend on the weight of L_C
    auto obj = make_objective(text, kCtx);
    const Tensor c0 = rnd({3, 2}, 5);
    obj->set_parameter("center.centers", constant(c0.clone()));
    const Var h = param(rnd({5, 2}, 6));
    const std::vector<int> y = {0, 2, 0, 0, 2};  // class 1 absent
    obj->set_iteration(0);
    backward(obj->forward({h, y, nullptr}));
    // A plain SGD step on everything the optimizer sees, then the loss's own update.
    for (auto& p : obj->parameters()) {
      Tensor v = p.second->value;
      for (int64_t i = 0; i < v.numel(); ++i) v[i] -= real(0.1) * p.second->grad[i];
    }
    obj->after_step();
    // c_j <- c_j - 0.5 sum_{i: y_i = j} (c_j - h_i) / (1 + n_j), written out again here.
    const Tensor c = dynamic_cast<const CenterLoss&>(*obj->term(1).loss).centers().value();
    const int n[3] = {3, 0, 2};
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) {
        double delta = 0;
        for (int i = 0; i < 5; ++i)
          if (y[i] == j) delta += (c0.at(j, k) - h.value().at(i, k)) / (1 + n[j]);
        INFO("centre " << j << ", component " << k);
        CHECK(c.at(j, k) == Approx(c0.at(j, k) - 0.5 * delta));
      }
    CHECK(c.at(1, 0) == c0.at(1, 0));  // the absent class did not move
  }
}

TEST_CASE("objective: center and center_invariant share the centres and add their steps",
          "[objective]") {
  auto obj = make_objective("softmax+0.01*center+0.2*center_invariant", kCtx);
  REQUIRE(obj->parameters().size() == 1);  // only softmax.W
  const Tensor c0 = rnd({3, 2}, 7, -2, 2);
  obj->set_parameter("center.centers", constant(c0.clone()));
  const Tensor h = rnd({4, 2}, 8);
  const std::vector<int> y = {0, 1, 1, 2};
  backward(obj->forward({param(h.clone()), y, nullptr}));
  obj->after_step();
  // Expected: the rule's step plus alpha_c * 0.2 * dL_CI/dc (the node's gradient,
  // itself checked by finite differences in test_losses_euclidean.cpp).
  Var leaf = param(c0.clone());
  backward(center_invariant_loss(leaf, y));
  const Tensor c = dynamic_cast<const CenterLoss&>(*obj->term(1).loss).centers().value();
  const int n[3] = {1, 2, 1};
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 2; ++k) {
      double delta = 0;
      for (int i = 0; i < 4; ++i)
        if (y[i] == j) delta += (c0.at(j, k) - h.at(i, k)) / (1 + n[j]);
      const double expect = c0.at(j, k) - 0.5 * delta - 0.5 * 0.2 * leaf.grad().at(j, k);
      CHECK(c.at(j, k) == Approx(expect));
    }
  // Setting the centres through either term sets the shared table.
  Var shared = constant(rnd({3, 2}, 9));
  obj->set_parameter("center_invariant.centers", shared);
  CHECK(dynamic_cast<const CenterLoss&>(*obj->term(1).loss).centers().get() == shared.get());
}

TEST_CASE("objective: init_from_w starts the centres from W at iteration 0 only", "[objective]") {
  auto obj = make_objective("normface+0.1*center:init_from_w=1", kCtx);
  const Tensor W = obj->class_weights().clone();
  const Var h = constant(rnd({3, 2}, 10));
  {
    NoGrad off;  // an evaluation forward does not start them
    obj->forward({h, {0, 1, 2}, nullptr});
  }
  const auto& center = dynamic_cast<const CenterLoss&>(*obj->term(1).loss);
  CHECK(center.centers().value()[0] == 0);
  obj->set_iteration(0);
  obj->forward({h, {0, 1, 2}, nullptr});
  for (int64_t i = 0; i < W.numel(); ++i) CHECK(center.centers().value()[i] == W[i]);
  // A resumed run (iteration > 0) keeps the centres it has.
  auto resumed = make_objective("normface+0.1*center:init_from_w=1", kCtx);
  resumed->set_iteration(500);
  resumed->forward({h, {0, 1, 2}, nullptr});
  CHECK(dynamic_cast<const CenterLoss&>(*resumed->term(1).loss).centers().value()[0] == 0);
}

TEST_CASE("objective: the lecture's sums train LeNet++ on digits a few steps and fall",
          "[objective][slow]") {
  for (const char* text : {"softmax+0.01*center", "normface+0.1*center+0.01*center_invariant",
                           "softmax+0.01*range", "softmax+0.1*triplet:mining=batchhard"}) {
    INFO(text);
    auto obj = make_objective(text, {10, 4, 6});
    const BeforeAfter r = train_lenet(*obj, 4, 0.005);
    INFO("before " << r.before << ", after " << r.after);
    CHECK(r.after < 0.8 * r.before);
  }
}
