// The worked example of notes/adding-a-loss.md: the linear angular margin
// (losses/linear_angle.cpp) gets both gradient checks from five lines, the
// same five the notes page shows; then the stability battery every margin
// loss passes.
#include <catch2/catch.hpp>

#include "loss_test_util.hpp"

using namespace fg;
using namespace fg_test;

TEST_CASE("linear_angle: finite differences and the formula from primitive ops",
          "[losses][example]") {
  LossCase c("linear_angle", {{"s", "4"}, {"learn_s", "1"}});  // inputs v = {h, W, s}
  REQUIRE_PASSES(c.gradcheck());
  REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
    Var cs = primitive_cosine(v[0], v[1]), psi = 1.0 - (acos(gather(cs, c.y)) + 0.5) * (2 / M_PI);
    return primitive_cross_entropy(replace_target(v[2], cs, psi, c.y), c.y); }));
}

TEST_CASE("linear_angle: finite loss and gradients on the stability battery",
          "[losses][example]") {
  auto loss = make_loss("linear_angle", {}, LossContext{3, 4, 11});
  for (const BatteryCase& bc : battery_cases(loss->class_weights(), 3, 4)) {
    INFO(bc.what);
    const Outcome o = run_once(*loss, bc.h, bc.y);
    CHECK(o.finite);
    CHECK(o.value >= 0);
  }
}
