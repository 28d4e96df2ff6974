// The lecture's exercises on the real loss code (demos/bounds/checks.hpp,
// the same checks build/bounds prints): every bound holds on the
// configuration its proof uses and on random ones; and the checks can tell
// a bound that fails (the NormFace bound on an unbalanced batch).
#include <catch2/catch.hpp>

#include <cmath>

#include "demos/bounds/checks.hpp"
#include "demos/bounds/eval.hpp"

using namespace fg;

namespace {

void require_all_hold(const std::vector<BoundRow>& rows) {
  REQUIRE(!rows.empty());
  for (const BoundRow& r : rows) {
    INFO(r.exercise << "\n  bound: " << r.bound << "\n  measured: " << r.measured);
    CHECK(r.holds);
  }
}

}  // namespace

TEST_CASE("bounds: NormFace, scaling and the neural-collapse lower bound", "[bounds]") {
  require_all_hold(check_normface_scaling(11, 200));
  require_all_hold(check_normface_etf());
  require_all_hold(check_normface_random(12, 300));
}

TEST_CASE("bounds: CoCo's alpha", "[bounds]") { require_all_hold(check_coco(13, 300)); }

TEST_CASE("bounds: L2-Softmax's alpha_low", "[bounds]") { require_all_hold(check_l2softmax()); }

TEST_CASE("bounds: A-Softmax's m, two classes and many", "[bounds]") {
  require_all_hold(check_asoftmax_two_classes());
  require_all_hold(check_asoftmax_many_classes());
}

TEST_CASE("bounds: CosFace's m and s", "[bounds]") {
  require_all_hold(check_cosface_margin(14, 300));
  require_all_hold(check_cosface_scale());
}

TEST_CASE("bounds: L-Softmax's decision margin", "[bounds]") {
  require_all_hold(check_lsoftmax_margin());
}

TEST_CASE("bounds: the formulas on hand-worked values", "[bounds]") {
  // K = 2, s = 1: log(1 + e^{-2}); CoCo with K = 2 and eps = log 2: 1/2 log(1/1) = 0.
  CHECK(normface_bound(2, 1) == Approx(std::log(1 + std::exp(-2.0))).epsilon(1e-12));
  CHECK(coco_alpha_bound(2, std::log(2.0)) == Approx(0).margin(1e-12));
  // K = 2, P = 0.5: log(1) = 0 both ways; K = 3, P = 2/3: log 4 times 2/3 or 3/2.
  CHECK(cosface_s_exact(2, 0.5) == Approx(0).margin(1e-12));
  CHECK(cosface_s_exact(3, 2.0 / 3) == Approx(2.0 / 3 * std::log(4.0)));
  CHECK(cosface_s_lecture(3, 2.0 / 3) == Approx(1.5 * std::log(4.0)));
  // The simplex ETF: unit rows, pairwise cosine -1/(K-1), zero sum.
  const Tensor E = simplex_etf(4, 6);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double d = 0;
      for (int k = 0; k < 6; ++k) d += double(E.at(i, k)) * E.at(j, k);
      CHECK(d == Approx(i == j ? 1.0 : -1.0 / 3).margin(1e-6));
    }
  CHECK_THROWS_WITH(simplex_etf(4, 3), Catch::Contains("N >= K"));
}

TEST_CASE("bounds: the NormFace bound needs balanced classes, and the table says NO",
          "[bounds]") {
  // Every sample in class 0, the other two class weights opposite to W_0: the
  // loss is log(1 + 2 e^{-2s}), below log(1 + 2 e^{-3s/2}).
  const Tensor W = Tensor::from({3, 2}, {1, 0, -1, 0, -1, 0});
  const double s = 3;
  const FixedLoss nf("normface", {{"s", "3"}, {"learn_s", "0"}}, W);
  const double L = nf.value(rows_of(W, {0, 0, 0}), {0, 0, 0});
  CHECK(L == Approx(std::log(1 + 2 * std::exp(-2 * s))).epsilon(1e-5));
  CHECK(L < normface_bound(3, s));
  const std::string table = bounds_table({{"made up", "x >= 1", "x = 0", false}});
  CHECK_THAT(table, Catch::Contains("| made up | x >= 1 | x = 0 | **NO** |"));
  CHECK_THAT(bounds_table({{"a|b", "", "", true}}), Catch::Contains("| a\\|b |  |  | yes |"));
}
