// The check every registered loss passes with no test of its own: a loss
// added to the registry (a student's included) is picked up by the loop.
//   1. finite differences in double on a random batch, h and every learnable
//      parameter (the float build's differences are too coarse to hold a
//      loss with hinges to anything, so there this part is left out);
//   2. the stability battery (tests/loss_test_util.hpp): finite loss and
//      gradients, or a clean fg::Error;
//   3. for a cosine-margin loss (a CosineLoss): psi(theta) non-increasing over
//      [0, pi], and dpsi/dc equal to psi's finite-difference slope wherever
//      psi is smooth.
// The student's own test then only adds the composition check.
#include <catch2/catch.hpp>

#include <cmath>

#include "losses/cosine_loss.hpp"
#include "torture_util.hpp"

using namespace fg;
using namespace fg_test;

namespace {

const bool kDouble = sizeof(real) == 8;

// 8 samples of 4 classes, two of each: every pair and triplet loss has
// positives and negatives.
LossCase generic_case(const std::string& name) { return LossCase(name, {}, 4, 3, 8, 2); }

}  // namespace

TEST_CASE("generic: every registered loss passes finite differences in double",
          "[generic][losses]") {
  if (!kDouble) return;  // see the header: a double-build check
  for (const std::string& name : loss_names()) {
    if (name == "center_invariant") continue;  // below: it needs a center term for its centres
    const LossCase c = generic_case(name);
    REQUIRE_PASSES(c.gradcheck(), name);
  }
  // center_invariant on its own keeps centres at their start; through an objective with center.
  auto obj = make_objective("center+0.1*center_invariant", LossContext{4, 3, 2});
  const std::vector<int> y = spread_labels(8, 4, 12);
  REQUIRE_PASSES(gradcheck([&](const std::vector<Var>& v) { return obj->forward({v[0], y, nullptr}); },
                           {random_matrix(8, 3, 22)}),
                 "center+0.1*center_invariant");
}

TEST_CASE("generic: every registered loss survives the stability battery", "[generic][losses]") {
  Tally t;
  for (const std::string& name : loss_names()) {
    auto loss = make_loss(name, {}, LossContext{4, 3, 2});
    const auto dir = class_directions(loss->class_weights(), 4, 3);
    Tensor D({4, 3});
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) D.at(j, k) = real(dir[j][k]);
    for (const BatteryCase& bc : battery_cases(D, 4, 3)) t.record(name, bc.what, *loss, bc.h, bc.y);
  }
  INFO(t.summary("battery"));
  CHECK(t.run == int(loss_names().size()) * 8);
  CHECK(t.failures == 0);
  // A loss may refuse a case with an fg::Error, if the message names the loss.
  for (const std::string& kind : t.error_kinds) {
    INFO("refused: " << kind);
    const size_t colon = kind.find(": ");
    CHECK(kind.find(kind.substr(0, colon), colon) != std::string::npos);
  }
}

TEST_CASE("generic: a cosine-margin loss's psi falls with theta and dpsi is its slope",
          "[generic][losses]") {
  const double pi = 3.14159265358979323846;
  int checked = 0;
  for (const std::string& name : loss_names()) {
    auto loss = make_loss(name, {}, LossContext{4, 3, 2});
    const auto* cl = dynamic_cast<const CosineLoss*>(loss.get());
    if (!cl) continue;
    ++checked;
    const TargetLogit t = cl->current_target();
    const int n = 720;
    double prev = t.psi(1.0), worst_rise = 0, worst_theta = 0;
    for (int k = 1; k <= n; ++k) {
      const double theta = pi * k / n, p = t.psi(std::cos(theta));
      if (p - prev > worst_rise) worst_rise = p - prev, worst_theta = theta;
      prev = p;
    }
    INFO(name << ": psi rises by " << worst_rise << " at theta = " << worst_theta);
    CHECK(worst_rise <= 1e-12);
    // dpsi/dc against central differences in c, at angles 5 degrees or more
    // away from 0 and pi (where slopes like 1 / sin theta grow without bound);
    // where the two one-sided slopes differ psi has a kink (a branch), skipped.
    const double h = 1e-6;
    const int lo = n / 36, hi = n - n / 36;
    int compared = 0;
    for (int k = lo; k <= hi; ++k) {
      const double c = std::cos(pi * k / n);
      const double left = (t.psi(c) - t.psi(c - h)) / h, right = (t.psi(c + h) - t.psi(c)) / h;
      const double scale = std::max({1.0, std::abs(left), std::abs(right)});
      if (std::abs(left - right) > 1e-3 * scale) continue;
      const double central = (t.psi(c + h) - t.psi(c - h)) / (2 * h), d = t.dpsi(c);
      INFO(name << ": at c = " << c << " dpsi/dc " << d << ", finite difference " << central);
      REQUIRE(std::abs(d - central) <= 1e-5 * std::max({1.0, std::abs(d), std::abs(central)}));
      ++compared;
    }
    INFO(name);
    CHECK(compared >= hi - lo + 1 - 4);  // at most a few kinks
  }
  CHECK(checked >= 6);  // normface, amsoftmax, cosface, arcface, combined, linear_angle
}
