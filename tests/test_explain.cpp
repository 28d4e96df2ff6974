// core/graph_explain.hpp: one sample's gradient, node by node, from the
// engine's own backward, beside central differences (losscalc --explain).
#include <catch2/catch.hpp>

#include <cmath>

#include "core/graph_explain.hpp"
#include "core/ops.hpp"
#include "loss_test_util.hpp"

using namespace fg;
using namespace fg_test;

namespace {

// A loss of the registry on (h, y) with W bound to a leaf, rebuilt on each call.
struct Built {
  std::unique_ptr<Loss> loss;
  Var h, W;
  std::vector<int> y;
  Explained explain(int row) {
    return explain_backward([&] { return loss->forward(LossInput{h, y}); }, {h, W}, int(y.size()), row,
                            kGradcheckEps);
  }
};

Built build(const std::string& name, const LossParams& p, const Tensor& h, const Tensor& W, std::vector<int> y) {
  Built b;
  b.loss = make_loss(name, p, LossContext{W.size(0), W.size(1), 0});
  b.h = param(h.clone()), b.W = param(W.clone()), b.y = std::move(y);
  b.loss->set_parameter("W", b.W);
  return b;
}

std::vector<std::string> ops(const Explained& ex) {
  std::vector<std::string> o;
  for (const ExplainStep& s : ex.steps) o.push_back(s.op);
  return o;
}

}  // namespace

TEST_CASE("explain: softmax on one point, every number worked by hand", "[explain]") {
  // h = (1, 0), W = I, y = 0: logits z = (1, 0), p = (e, 1) / (e + 1), with
  // q = 1 / (e + 1): L = log(1 + e^-1), dL/dz = p - (1, 0) = (-q, q),
  // dz/dh = W = I, dL/dh = (-q, q), dL/dW_j = dL/dz_j h = (-q, 0; q, 0).
  Built b = build("softmax", {}, Tensor::from({1, 2}, {1, 0}), Tensor::from({2, 2}, {1, 0, 0, 1}), {0});
  const Explained ex = b.explain(0);
  const double q = 1 / (std::exp(1.0) + 1);
  CHECK(ex.value == Approx(std::log1p(std::exp(-1.0))));
  REQUIRE(ops(ex) == std::vector<std::string>{"softmax_cross_entropy", "matmul", "param", "param"});
  const ExplainStep &ce = ex.steps[0], &mm = ex.steps[1], &h = ex.steps[2], &W = ex.steps[3];
  // Ids follow the forward pass: h, W, the logits, the loss.
  CHECK(ce.id == 4);
  CHECK(mm.id == 3);
  CHECK(h.id == 1);
  CHECK(W.id == 2);
  CHECK(ce.grad[0] == 1);  // the seed
  REQUIRE(ce.inputs.size() == 1);
  CHECK(ce.inputs[0].id == 3);
  CHECK(ce.inputs[0].local.at(0, 0) == Approx(-q));
  CHECK(ce.inputs[0].local.at(0, 1) == Approx(q));
  CHECK(mm.grad[0] == Approx(-q));
  CHECK(mm.grad[1] == Approx(q));
  REQUIRE(mm.inputs.size() == 2);
  const Tensor& dz_dh = mm.inputs[0].local;  // 2 x 2: W itself
  REQUIRE(dz_dh.shape() == Shape{2, 2});
  CHECK(dz_dh.at(0, 0) == 1);
  CHECK(dz_dh.at(0, 1) == 0);
  CHECK(dz_dh.at(1, 0) == 0);
  CHECK(dz_dh.at(1, 1) == 1);
  const Tensor& dz_dW = mm.inputs[1].local;  // 2 x 4: z_j = W_j . h
  REQUIRE(dz_dW.shape() == Shape{2, 4});
  const double want[2][4] = {{1, 0, 0, 0}, {0, 0, 1, 0}};
  for (int a = 0; a < 2; ++a)
    for (int c = 0; c < 4; ++c) CHECK(dz_dW.at(a, c) == want[a][c]);
  CHECK(h.grad[0] == Approx(-q));
  CHECK(h.grad[1] == Approx(q));
  const double dW[4] = {-q, 0, q, 0};
  for (int c = 0; c < 4; ++c) CHECK(W.grad[c] == Approx(dW[c]).margin(1e-12));
  // The engine's gradients are as a plain backward leaves them (the re-runs
  // on one-hot seeds are put back).
  CHECK(b.h.grad()[0] == Approx(-q));
  CHECK(b.W.grad()[0] == Approx(-q));
  CHECK(b.W.grad()[1] == 0);
}

TEST_CASE("explain: the chain's final dL/dh equals the central difference", "[explain]") {
  const Tensor h = random_matrix(5, 3, 11), W = random_matrix(4, 3, 12);
  const std::vector<int> y = {0, 1, 2, 3, 1};
  for (const std::string name : {"softmax", "normface", "cosface", "arcface", "lsoftmax"}) {
    const LossParams p = name == "lsoftmax" ? LossParams{{"lambda", "0"}} : LossParams{{"s", "4"}};
    for (int row : {0, 4}) {
      Built b = build(name, name == "softmax" ? LossParams{} : p, h, W, y);
      const Explained ex = b.explain(row);
      INFO(name << ", sample " << row);
      const ExplainStep& dh = ex.steps.at(ex.steps.size() - 2);
      REQUIRE(dh.leaf == 0);
      CHECK(dh.row);
      REQUIRE(dh.grad.numel() == 3);
      for (int k = 0; k < 3; ++k) {
        if (sizeof(real) == 8) CHECK(dh.grad[k] == Approx(dh.numeric[k]).epsilon(1e-6).margin(1e-8));
        CHECK(dh.grad[k] == Approx(b.h.grad().at(row, k)));  // the row of backward's dL/dh
        CHECK(dh.value[k] == h.at(row, k));
      }
      const ExplainStep& dW = ex.steps.back();
      REQUIRE(dW.grad.numel() == 12);  // W has no row per sample: all of it
      if (sizeof(real) == 8)
        for (int c = 0; c < 12; ++c) CHECK(dW.grad[c] == Approx(dW.numeric[c]).epsilon(1e-6).margin(1e-8));
      // The chain rule, read off the recorded numbers: dL/d input = dL/d value . local,
      // wherever the parts hold everything that reaches the input's part (a
      // row input of a row node: these ops keep samples apart).
      int checked = 0;
      for (const ExplainStep& s : ex.steps)
        for (const ExplainInput& in : s.inputs) {
          if (in.local.numel() == 0 || (s.row && !in.row)) continue;
          ++checked;
          for (int c = 0; c < in.local.size(1); ++c) {
            double sum = 0;
            for (int a = 0; a < in.local.size(0); ++a) sum += double(s.grad[a]) * in.local.at(a, c);
            CHECK(in.sent[c] == Approx(sum).margin(1e-5));
          }
        }
      CHECK(checked >= 2);
    }
  }
}

TEST_CASE("explain: a sample outside the batch, a non-scalar output", "[explain]") {
  Built b = build("softmax", {}, Tensor::from({1, 2}, {1, 0}), Tensor::from({2, 2}, {1, 0, 0, 1}), {0});
  CHECK_THROWS_WITH(b.explain(1), Catch::Contains("sample 1 is outside 0..0"));
  CHECK_THROWS_WITH(b.explain(-1), Catch::Contains("sample -1"));
  Var x = param(Tensor::from({2}, {1, 2}));
  CHECK_THROWS_WITH(explain_backward([&] { return mul(x, x); }, {x}, 2, 0, 1e-6),
                    Catch::Contains("[2]") && Catch::Contains("one number"));
}
