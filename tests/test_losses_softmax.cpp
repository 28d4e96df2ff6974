// The softmax family: softmax, L2-Softmax, NormFace, CoCo. Values worked out
// by hand, finite differences (tight in the double suite), the same formula
// composed from primitive ops, and the stability battery.
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include <algorithm>
#include <cmath>

#include "losses/l2softmax.hpp"
#include "loss_test_util.hpp"

using namespace fg;
using namespace fg_test;

namespace {

// The loss of a one-off batch with W set by hand.
double loss_value(const std::string& name, const LossParams& p, const Tensor& W,
                  const Tensor& h, const std::vector<int>& y, int K) {
  auto loss = make_loss(name, p, LossContext{K, h.size(1), 0});
  if (!W.empty()) loss->set_parameter("W", constant(W));
  return loss->forward(LossInput{constant(h), y, nullptr}).value()[0];
}


// Scales that keep the loose float check meaningful; the lecture's in double.
LossParams scaled(LossParams p, const std::string& key, const std::string& value) {
  if (sizeof(real) == 4) p[key] = value;
  return p;
}

}  // namespace

TEST_CASE("softmax family: values worked out by hand", "[losses][softmax-family]") {
  const double tol = sizeof(real) == 8 ? 1e-12 : 1e-6;
  const Tensor I2 = Tensor::from({2, 2}, {1, 0, 0, 1});
  // softmax: logits <W_j, h> = (1, 0): -log(e / (e + 1)) = log(1 + e^-1)
  CHECK(loss_value("softmax", {}, I2, Tensor::from({1, 2}, {1, 0}), {0}, 2) ==
        Approx(std::log1p(std::exp(-1.0))).epsilon(tol));
  // l2softmax, alpha = 2: h = (3, 0) becomes (2, 0), logits (2, 0)
  CHECK(loss_value("l2softmax", {{"alpha", "2"}}, I2, Tensor::from({1, 2}, {3, 0}), {0}, 2) ==
        Approx(std::log1p(std::exp(-2.0))).epsilon(tol));
  // normface: h at 45 degrees to both rows: equal logits, loss log 2 for any s
  CHECK(loss_value("normface", {{"s", "5"}}, I2, Tensor::from({1, 2}, {1, 1}), {1}, 2) ==
        Approx(std::log(2.0)).epsilon(tol));
  // normface, s = 3: h = (1, 0) against rows (1, 0) and (0, 1): logits (3, 0)
  CHECK(loss_value("normface", {{"s", "3"}}, I2, Tensor::from({1, 2}, {2, 0}), {0}, 2) ==
        Approx(std::log1p(std::exp(-3.0))).epsilon(tol));
  // coco, alpha = 2: class 0 = {(1,0), (0,1)}, c'_0 = (1,1)/sqrt 2; class 1 = {(-1,0)}, c'_1 = (-1,0).
  // Logits alpha cos: sample 0 (sqrt 2, -2), sample 1 (sqrt 2, 0), sample 2 (-sqrt 2, 2).
  const double r2 = std::sqrt(2.0);
  const double expect = (std::log1p(std::exp(-2 - r2)) + std::log1p(std::exp(-r2)) +
                         std::log1p(std::exp(-r2 - 2))) / 3;
  CHECK(loss_value("coco", {{"alpha", "2"}}, Tensor(), Tensor::from({3, 2}, {1, 0, 0, 1, -1, 0}),
                   {0, 0, 1}, 2) == Approx(expect).epsilon(tol));
}

TEST_CASE("softmax family: alpha_low", "[losses][softmax-family]") {
  CHECK(alpha_low(0.9, 10) == Approx(std::log(72.0)));
  CHECK(alpha_low(0.99, 1002) == Approx(std::log(0.99 * 1000 / 0.01)));
  CHECK_THROWS_WITH(alpha_low(1, 10), Catch::Contains("(0, 1)"));
  CHECK_THROWS_WITH(alpha_low(0.9, 2), Catch::Contains("K >= 3"));
  // The default start of l2softmax's alpha is alpha_low(0.9, K).
  auto loss = make_loss("l2softmax", {}, LossContext{10, 2, 0});
  CHECK(loss->describe() == "l2softmax alpha=" + num_str(std::log(72.0)));
  CHECK_THROWS_WITH(make_loss("l2softmax", {}, LossContext{2, 2, 0}), Catch::Contains("alpha="));
}

TEST_CASE("softmax family: finite differences", "[losses][softmax-family]") {
  REQUIRE_PASSES(LossCase("softmax", {{"bias", "1"}}).gradcheck(), "softmax");
  REQUIRE_PASSES(LossCase("l2softmax", {}).gradcheck(), "l2softmax");
  REQUIRE_PASSES(LossCase("normface", scaled({}, "s", "4")).gradcheck(), "normface");
  REQUIRE_PASSES(LossCase("normface", scaled({{"s", "64"}}, "s", "3")).gradcheck(), "normface s=64");
  REQUIRE_PASSES(LossCase("coco", {{"learn_alpha", "1"}, {"alpha", "3"}}, 3, 3, 8).gradcheck(), "coco");
  REQUIRE_PASSES(LossCase("coco", scaled({{"learn_alpha", "1"}}, "alpha", "4"), 4, 2, 9, 5).gradcheck(),
             "coco alpha=10");
}

TEST_CASE("softmax family: the node against primitive ops", "[losses][softmax-family]") {
  {
    LossCase c("softmax", {{"bias", "1"}});
    REQUIRE(c.keys == std::vector<std::string>{"W", "b"});
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      return primitive_cross_entropy(matmul(v[0], v[1], false, true) + v[2], c.y);
    }));
  }
  {
    LossCase c("l2softmax", {{"alpha", "3.5"}});
    REQUIRE(c.keys == std::vector<std::string>{"W", "alpha"});
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      return primitive_cross_entropy(matmul(l2_normalize(v[0]) * v[2], v[1], false, true), c.y);
    }));
  }
  {
    LossCase c("normface", {{"s", "16"}});
    REQUIRE(c.keys == std::vector<std::string>{"W", "s"});
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      return primitive_cross_entropy(primitive_cosine(v[0], v[1]) * v[2], c.y);
    }));
  }
  {
    // Class 3 is absent from this batch: the softmax runs over classes 0..2.
    LossCase c("coco", {{"learn_alpha", "1"}, {"alpha", "5"}}, 4, 3, 8);
    c.y = {0, 2, 1, 1, 0, 2, 2, 0};
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      Var hn = l2_normalize(v[0]);
      std::vector<Var> centroids;
      for (int j = 0; j < 3; ++j) {
        std::vector<int> members;
        for (int i = 0; i < 8; ++i)
          if (c.y[i] == j) members.push_back(i);
        centroids.push_back(reshape(mean(rows(hn, members), 0), {1, 3}));
      }
      Var cn = l2_normalize(concat(centroids));
      return primitive_cross_entropy(matmul(hn, cn, false, true) * v[1], c.y);
    }));
  }
}

TEST_CASE("softmax family: stability battery", "[losses][softmax-family]") {
  const std::vector<std::pair<std::string, LossParams>> losses = {
      {"softmax", {{"bias", "1"}}},
      {"l2softmax", {}},
      {"normface", {{"s", "64"}}},
      {"coco", {{"alpha", "64"}, {"learn_alpha", "1"}}},
  };
  const int K = 3, N = 4;
  for (const auto& lp : losses) {
    auto loss = make_loss(lp.first, lp.second, LossContext{K, N, 11});
    const Tensor W = lp.first == "coco" ? random_matrix(K, N, 12) : loss->class_weights();
    for (const BatteryCase& bc : battery_cases(W, K, N)) {
      INFO(lp.first << ": " << bc.what);
      const Outcome o = run_once(*loss, bc.h, bc.y);
      CHECK(o.finite);
      CHECK(o.value >= 0);
    }
  }
}
