// The Euclidean-family losses as registry objects: parameters and their
// errors, finite differences through the Loss interface (with the centres
// and T set by name), the centre update rule on a step worked out by hand,
// the stability battery, and a few LeNet++ training steps in which each loss falls.
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include <cmath>

#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "losses/center.hpp"
#include "losses/euclidean.hpp"
#include "losses/registry.hpp"
#include "tests/loss_train_util.hpp"
#include "tests/tensor_test_util.hpp"

using namespace fg;
using fg_test::rnd;

namespace {

const std::vector<std::string> kNames = {"contrastive", "marginal", "triplet",          "tse",
                                         "tpe",         "center",   "center_invariant", "range"};

bool has_centers(const std::string& n) { return n == "center" || n == "center_invariant"; }
bool has_T(const std::string& n) { return n == "tse" || n == "tpe"; }
void require_finite(const Tensor& t, const std::string& what) {
  for (int64_t i = 0; i < t.numel(); ++i) {
    INFO(what << " element " << i);
    REQUIRE(std::isfinite(double(t[i])));
  }
}

}  // namespace

TEST_CASE("euclidean losses: registry, parameters and their errors", "[losses][euclidean]") {
  const LossContext ctx{4, 3, 1};
  for (const std::string& n : kNames) {
    INFO(n);
    auto loss = make_loss(n, {}, ctx);
    CHECK(loss->name() == n);
    CHECK(loss->describe().rfind(n, 0) == 0);
    REQUIRE_THROWS_WITH(make_loss(n, {{"nonsense", "1"}}, ctx),
                        Catch::Contains("nonsense") && Catch::Contains("valid"));
  }
  REQUIRE_THROWS_WITH(make_loss("contrastive", {{"margin", "-1"}}, ctx),
                      Catch::Contains("[0, 1000]"));
  REQUIRE_THROWS_WITH(make_loss("range", {{"k", "0"}}, ctx), Catch::Contains("an integer in [1, 1000]"));
  REQUIRE_THROWS_WITH(make_loss("range", {{"k", "1.5"}}, ctx), Catch::Contains("integer"));
  REQUIRE_THROWS_WITH(make_loss("center", {{"alpha_c", "2"}}, ctx), Catch::Contains("[0, 1]"));
  REQUIRE_THROWS_WITH(make_loss("tse", {{"dim", "0"}}, ctx), Catch::Contains("dim"));
  // T is N' x N (dim= sets N'); the centres K x N; neither is W.
  auto tse = make_loss("tse", {{"dim", "5"}}, ctx);
  REQUIRE(tse->parameters().size() == 1);
  CHECK(tse->parameters()[0].first == "T");
  CHECK(tse->parameters()[0].second.shape() == Shape{5, 3});
  tse->set_parameter("T", param(rnd({2, 3}, 1)));  // another N' is fine
  REQUIRE_THROWS_WITH(tse->set_parameter("T", param(rnd({2, 4}, 1))), Catch::Contains("N' x 3"));
  // The centres are out of the optimizer's reach unless sgd=1.
  CHECK(make_loss("center", {}, ctx)->parameters().empty());
  CHECK(make_loss("center", {{"sgd", "1"}}, ctx)->parameters().at(0).first == "centers");
  REQUIRE_THROWS_WITH(make_loss("center", {}, ctx)->set_parameter("centers", param(rnd({3, 3}, 2))),
                      Catch::Contains("[4, 3]"));
  // Labels outside 0..K-1 and the wrong N are named.
  auto c = make_loss("contrastive", {}, ctx);
  REQUIRE_THROWS_WITH(c->forward({constant(rnd({2, 3}, 3)), {0, 4}, nullptr}),
                      Catch::Contains("label 4"));
  REQUIRE_THROWS_WITH(c->forward({constant(rnd({2, 2}, 3)), {0, 1}, nullptr}),
                      Catch::Contains("m x 3"));
}

TEST_CASE("euclidean losses: options normalize and freeze", "[losses][euclidean]") {
  const LossContext ctx{3, 3, 2};
  const Tensor x = rnd({5, 3}, 41, -3, 3);
  const std::vector<int> y = {0, 1, 0, 2, 1};
  // contrastive normalize=1 is the node on unit rows.
  auto c = make_loss("contrastive", {{"normalize", "1"}, {"margin", "0.8"}}, ctx);
  CHECK(c->forward({constant(x), y, nullptr}).value()[0] ==
        Approx(contrastive_loss(l2_normalize(constant(x)), y, real(0.8)).value()[0]));
  // triplet normalize=0 is the node on the rows as given.
  auto t = make_loss("triplet", {{"normalize", "0"}}, ctx);
  const std::vector<Triplet> given = {{0, 2, 1}, {1, 4, 3}};
  CHECK(t->forward({constant(x), y, &given}).value()[0] ==
        Approx(triplet_loss(constant(x), given, real(0.2)).value()[0]));
  // freeze=1: the same value, no gradient into h, T still learns.
  for (const char* n : {"tse", "tpe"}) {
    INFO(n);
    auto free = make_loss(n, {}, ctx), frozen = make_loss(n, {{"freeze", "1"}}, ctx);
    Var h1 = param(x.clone()), h2 = param(x.clone());
    Var L1 = free->forward({h1, y, nullptr}), L2 = frozen->forward({h2, y, nullptr});
    CHECK(L1.value()[0] == Approx(L2.value()[0]));
    backward(L1);
    backward(L2);
    CHECK(h2->grad.empty());
    REQUIRE_FALSE(h1->grad.empty());
    const Tensor g1 = free->parameters()[0].second.grad(),
                 g2 = frozen->parameters()[0].second.grad();
    for (int64_t i = 0; i < g1.numel(); ++i) CHECK(g1[i] == Approx(g2[i]));
    // normalize=1 is the loss on unit rows, with the same T, scored by angle;
    // the gradient reaches h through the normalisation.
    auto unit = make_loss(n, {{"normalize", "1"}}, ctx);
    CHECK(unit->scoring() == Scoring::Cosine);
    CHECK(free->scoring() == Scoring::Dot);
    const Var u = l2_normalize(constant(x));
    CHECK(unit->forward({constant(x), y, nullptr}).value()[0] ==
          Approx(free->forward({u, y, nullptr}).value()[0]));
    Tensor big = x.clone();
    for (int64_t i = 0; i < big.numel(); ++i) big[i] *= 7;  // only directions count
    CHECK(unit->forward({constant(big), y, nullptr}).value()[0] ==
          Approx(unit->forward({constant(x), y, nullptr}).value()[0]));
    CheckResult r = gradcheck([&](const std::vector<Var>& v) { return unit->forward({v[0], y, nullptr}); }, {x});
    REQUIRE_PASSES(r);
  }
}

TEST_CASE("euclidean losses: finite differences through the Loss interface",
          "[losses][euclidean]") {
  const LossContext ctx{3, 3, 5};
  const std::vector<int> y = {0, 1, 0, 2, 1, 0, 1};
  const Tensor h = rnd({7, 3}, 11), c = rnd({3, 3}, 12), T = rnd({2, 3}, 13);
  for (const std::string& n : kNames) {
    INFO(n);
    auto loss = make_loss(n, {}, ctx);
    std::vector<Tensor> inputs = {h};
    if (has_centers(n)) inputs.push_back(c);
    if (has_T(n)) inputs.push_back(T);
    CheckResult r = gradcheck(
        [&](const std::vector<Var>& v) {
          if (has_centers(n)) loss->set_parameter("centers", v[1]);
          if (has_T(n)) loss->set_parameter("T", v[1]);
          return loss->forward({v[0], y, nullptr});
        },
        inputs);
    REQUIRE_PASSES(r);
  }
}

TEST_CASE("center: the centre update is the paper's rule, on a step done by hand",
          "[losses][euclidean]") {
  // K = 2, N = 2, c_0 = (0,0), c_1 = (1,1); h = (2,0), (0,2) of class 0, (4,4) of class 1.
  // delta_0 = ((c_0 - h_0) + (c_0 - h_1)) / (1 + 2) = ((-2,0) + (0,-2)) / 3 = (-2/3, -2/3)
  // delta_1 = (c_1 - h_2) / (1 + 1) = (-3,-3) / 2 = (-1.5, -1.5)
  // alpha_c = 0.5: c_0 <- (0,0) + (1/3, 1/3); c_1 <- (1,1) + (0.75, 0.75).
  auto loss = make_loss("center", {}, {2, 2, 0});
  auto* center = dynamic_cast<CenterLoss*>(loss.get());
  REQUIRE(center);
  loss->set_parameter("centers", constant(Tensor::from({2, 2}, {0, 0, 1, 1})));
  const Var h = param(Tensor::from({3, 2}, {2, 0, 0, 2, 4, 4}));
  // L_C = (4 + 4 + 18) / (2 * 3)
  CHECK(loss->forward({h, {0, 0, 1}, nullptr}).value()[0] == Approx(26.0 / 6));
  loss->after_step();
  const Tensor c = center->centers().value();
  CHECK(c[0] == Approx(1.0 / 3));
  CHECK(c[1] == Approx(1.0 / 3));
  CHECK(c[2] == Approx(1.75));
  CHECK(c[3] == Approx(1.75));
  // A second after_step without a forward, or after a forward without gradients, does nothing.
  loss->after_step();
  {
    NoGrad off;
    loss->forward({h, {0, 0, 1}, nullptr});
  }
  loss->after_step();
  CHECK(center->centers().value()[0] == Approx(1.0 / 3));
  // alpha_c = 0.2: class 1 alone, c_1 = (1.75, 1.75), h = (4,4): delta = (-2.25, -2.25) / 2.
  auto slow = make_loss("center", {{"alpha_c", "0.2"}}, {2, 2, 0});
  slow->set_parameter("centers", constant(c.clone()));
  slow->forward({constant(Tensor::from({1, 2}, {4, 4})), {1}, nullptr});
  slow->after_step();
  const Tensor c2 = dynamic_cast<CenterLoss*>(slow.get())->centers().value();
  CHECK(c2[0] == Approx(1.0 / 3));  // class 0 not in the batch: unchanged
  CHECK(c2[2] == Approx(1.75 + 0.2 * 1.125));
}

TEST_CASE("center_invariant: its step is alpha_c times its gradient, done by hand",
          "[losses][euclidean]") {
  // c = (1,0), (0,2), y = 0,0,1, m = 3: a = |c|^2 = 1, 4, mean 2.5, e = -1.5, -1.5, 1.5,
  // E = -1.5, n = 2, 1. dL/dc_k = 1/m c_k (n_k (a_k - 2.5) - E/K):
  //   k = 0: 1/3 (1,0) (2 (-1.5) + 0.75) = (-0.75, 0)
  //   k = 1: 1/3 (0,2) (1 (1.5) + 0.75)  = (0, 1.5)
  // alpha_c = 0.5: c_0 <- (1.375, 0), c_1 <- (0, 1.25): the norms move together.
  auto loss = make_loss("center_invariant", {}, {2, 2, 0});
  loss->set_parameter("centers", constant(Tensor::from({2, 2}, {1, 0, 0, 2})));
  CHECK(loss->forward({constant(Tensor({3, 2})), {0, 0, 1}, nullptr}).value()[0] == Approx(0.5625));
  loss->after_step();
  const Tensor c = dynamic_cast<CenterInvariantLoss*>(loss.get())->centers().value();
  CHECK(c[0] == Approx(1.375));
  CHECK(c[1] == Approx(0).margin(1e-12));
  CHECK(c[3] == Approx(1.25));
}

TEST_CASE("euclidean losses: the stability battery gives finite values and gradients",
          "[losses][euclidean]") {
  struct Case {
    const char* what;
    Tensor h;
    std::vector<int> y;
  };
  const Tensor base = rnd({5, 2}, 21);
  auto scaled = [&](double s) {
    Tensor t = base.clone();
    for (int64_t i = 0; i < t.numel(); ++i) t[i] = real(t[i] * s);
    return t;
  };
  Tensor one_zero = base.clone();
  one_zero.at(1, 0) = one_zero.at(1, 1) = 0;
  const std::vector<int> mixed = {0, 1, 0, 2, 1};
  const std::vector<Case> cases = {
      {"identical embeddings", Tensor::full({5, 2}, real(0.3)), mixed},
      {"one zero embedding", one_zero, mixed},
      {"all embeddings zero", Tensor({5, 2}), mixed},
      {"a class with one sample", base, {0, 0, 1, 2, 2}},
      {"a batch of one class", base, {1, 1, 1, 1, 1}},
      {"a single sample", rnd({1, 2}, 22), {2}},
      {"norms of 1e6", scaled(1e6), mixed},
      {"norms of 1e-12", scaled(1e-12), mixed},
  };
  const LossContext ctx{3, 2, 7};
  for (const std::string& n : kNames)
    for (const char* mining : {"all", "batchhard"}) {
      if (std::string(mining) != "all" && n != "triplet" && !has_T(n)) continue;
      for (const Case& k : cases) {
        INFO(n << " mining=" << mining << ", " << k.what);
        LossParams p;
        if (n == "triplet" || has_T(n)) p["mining"] = mining;
        auto loss = make_loss(n, p, ctx);
        Var c = param(rnd({3, 2}, 23));
        if (has_centers(n)) loss->set_parameter("centers", c);
        Var h = param(k.h.clone());
        Var L = loss->forward({h, k.y, nullptr});
        require_finite(L.value(), "loss");
        backward(L);
        require_finite(h.grad(), "dL/dh");
        if (has_centers(n)) require_finite(c.grad(), "dL/dc");
        for (auto& [name, v] : loss->parameters()) require_finite(v.grad(), "dL/d" + name);
      }
    }
}

TEST_CASE("euclidean losses: each trains LeNet++ on digits a few steps and falls",
          "[losses][euclidean][slow]") {
  for (const std::string& n : kNames) {
    INFO(n);
    auto loss = make_loss(n, {}, {10, 4, 5});
    if (has_centers(n))  // centres away from zero, so that L_CI has work to do
      loss->set_parameter("centers", constant(rnd({10, 4}, 31, -2, 2)));
    // The triplet loss on unit embeddings collapses to L_T = alpha (all points
    // together) at larger rates: the lecture's "very unstable"; 0.002 learns.
    const BeforeAfter r = train_lenet(*loss, 4, n == "triplet" ? 0.002 : 0.01);
    INFO("before " << r.before << ", after " << r.after);
    CHECK(r.after < 0.9 * r.before);
  }
}
