// The losses at the ends of their pieces, where a gradient check cannot
// look (finite differences straddle the kink) but the value is known:
// ArcFace where theta + m reaches pi and where easy margin switches on, and
// a triplet whose hinge is exactly 0.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/graph.hpp"
#include "losses/arcface.hpp"
#include "losses/euclidean.hpp"

using namespace fg;

TEST_CASE("arcface: psi and its slope where theta + m reaches pi", "[losses][angular]") {
  // m = 0.5: at cos theta = -cos m, theta = pi - m, so psi = cos(pi) = -1 and
  // dpsi/dc = cos m + sin m c / sqrt(1 - c^2) = cos m - cos m = 0 (the top of
  // cos). Past it (theta > pi - m) psi = cos theta - m sin m, slope 1.
  const double m = 0.5, c = -std::cos(m);
  const TargetLogit t = arcface_target(m, false);
  CHECK(t.psi(c) == Approx(-1).epsilon(1e-12));
  CHECK(t.dpsi(c) == Approx(0).margin(1e-12));
  const double past = std::nextafter(c, -1.0);
  CHECK(t.psi(past) == Approx(past - m * std::sin(m)).epsilon(1e-12));
  CHECK(t.dpsi(past) == 1);
}

TEST_CASE("arcface: easy margin leaves cos theta = 0 alone", "[losses][angular]") {
  // easy_margin: cos(theta + m) only where cos theta > 0; at cos theta = 0,
  // psi = 0 with slope 1 (not cos(pi/2 + m) = -sin m).
  const TargetLogit t = arcface_target(0.5, true);
  CHECK(t.psi(0) == 0);
  CHECK(t.dpsi(0) == 1);
  CHECK(t.psi(1e-9) == Approx(std::cos(std::acos(1e-9) + 0.5)).epsilon(1e-12));
}

TEST_CASE("triplet: a hinge exactly 0 adds nothing and sends no gradient", "[losses][euclidean]") {
  // a = (0, 0), p = (1, 0), n = (1.5, 0): |a - p|^2 = 1, |a - n|^2 = 2.25;
  // alpha = 1.25 closes the hinge exactly: max(0, 1 - 2.25 + 1.25) = 0.
  // With alpha = 1.5 it is open by 0.25: dL/da = 2 (n - p) = (1, 0),
  // dL/dp = 2 (p - a) = (2, 0), dL/dn = 2 (a - n) = (-3, 0).
  for (double alpha : {1.25, 1.5}) {
    INFO("alpha=" << alpha);
    Var h = param(Tensor::from({3, 2}, {0, 0, 1, 0, 1.5, 0}));
    Var L = triplet_loss(h, {{0, 1, 2}}, real(alpha));
    backward(L);
    const bool open = alpha == 1.5;
    CHECK(L.value()[0] == (open ? 0.25 : 0));
    const double want[6] = {1, 0, 2, 0, -3, 0};
    for (int i = 0; i < 6; ++i) CHECK(h.grad()[i] == (open ? want[i] : 0));
  }
}
