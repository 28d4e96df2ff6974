// The numerical torture suite: every registered loss (so a new one is covered
// without a line here) and the lecture's objectives, on batches at the edges
// of their numerics (tests/torture_util.hpp). Each case must give a finite
// loss and finite gradients for h and every parameter, or refuse with an
// fg::Error; anything else (NaN, inf, another exception) is a failure,
// written out with the loss, the case and the value.
#include <catch2/catch.hpp>

#include "torture_util.hpp"

using namespace fg;
using namespace fg_test;

namespace {

// Runs the torture cases on every configuration with K classes in N
// dimensions; the battery's batches hold 2K samples, so K = 10,000 skips
// them. With a `only` filter, just the configurations it accepts (by label)
// and their cases at norm 1e30.
Tally run_all(int K, int N, bool battery, bool (*only)(const std::string&) = nullptr) {
  Tally t;
  for (const LossConfig& c : torture_configs()) {
    const std::string label = c.label() + " (K = " + std::to_string(K) + ")";
    if (only && !only(label)) continue;
    std::unique_ptr<Loss> loss;
    try {
      loss = build(c, LossContext{K, N, 5});
    } catch (const Error& e) {
      if (only) continue;
      ++t.run;
      ++t.errors;
      t.error_kinds.insert(label + ": " + e.what());
      continue;
    }
    for (const BatteryCase& bc : torture_cases(loss->class_weights(), K, N, battery))
      if (!only || at_norm_1e30(bc.what)) t.record(label, bc.what, *loss, bc.h, bc.y);
  }
  return t;
}

// The reasons a case may be refused, each a limit the formulas cannot pass:
// a loss beyond the scalar type's range (float, norms of 1e30),
// center:init_from_w=1 with no W to start from, and L2-Softmax's alpha_low
// for K = 2. A refusal for any other reason fails, naming it.
void check_refusals(const Tally& t) {
  for (const std::string& kind : t.error_kinds) {
    INFO("refused: " << kind);
    CHECK((kind.find("beyond the range of the scalar type") != std::string::npos ||
           kind.find("init_from_w=1 needs class weights W") != std::string::npos ||
           kind.find("needs K >= 3 classes") != std::string::npos));
  }
}

}  // namespace

TEST_CASE("torture: every loss and objective, K = 2, 3, 10", "[torture]") {
  Tally all;
  for (int K : {2, 3, 10}) all.add(run_all(K, K == 10 ? 2 : 3, true));
  std::cout << all.summary("torture suite");
  check_refusals(all);
  CHECK(all.finite > all.run * 9 / 10);  // refusals are the exception, not the rule
  REQUIRE(all.failures == 0);
}

TEST_CASE("torture: every loss and objective, K = 10,000", "[torture]") {
  const Tally t = run_all(10000, 2, false);
  std::cout << t.summary("torture suite, K = 10,000");
  check_refusals(t);
  CHECK(t.finite > t.run * 9 / 10);
  REQUIRE(t.failures == 0);
}

// Norms of 1e30, which overflow float when squared. L-Softmax and A-Softmax
// scale their logits by |h| (1e30 fits): finite in both builds. The losses
// that square the norm (about 1e60) are finite in the double build and, in
// float, refused with an error that names the loss and the norm.
TEST_CASE("torture: norms 1e30, where |h|^2 overflows float", "[torture]") {
  Tally norm, square;
  for (int K : {3, 10000}) {
    const int N = K == 3 ? 3 : 2;
    norm.add(run_all(K, N, false, scale_is_a_norm));
    square.add(run_all(K, N, false, squares_the_norm));
  }
  std::cout << norm.summary("torture suite, norm 1e30, L-Softmax and A-Softmax")
            << square.summary("torture suite, norm 1e30, losses of |h|^2");
  CHECK(norm.run == 40);
  CHECK(norm.finite == norm.run);
  // 21 configurations of these losses (TSE's and TPE's normalize=1 among
  // them: they read h/|h|, so they stay finite) x 2 cases at norm 1e30 x 2 K.
  CHECK(square.run == 21 * 2 * 2);
  CHECK(square.failures == 0);
  // Some of these cases stay finite in float too (normalize=1, a batch of one
  // has no pair, a mining rule that picks no triplet); the others are refused.
  const bool is_float = sizeof(real) == sizeof(float);
  CHECK(square.errors == (is_float ? 26 : 0));
  for (const std::string& e : square.error_kinds)
    CHECK_THAT(e, Catch::Contains("beyond the range of the scalar type (at most 3.4e+38)"));
}
