// The angular family: L-Softmax, A-Softmax, AM-Softmax, CosFace, ArcFace and
// the combined margin. The target functions psi against their definitions,
// finite differences (tight in the double suite), the same formulas composed
// from primitive ops, the identities between the losses, lambda annealing,
// margin warm-up and the stability battery.
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include <cmath>

#include "losses/arcface.hpp"
#include "losses/combined.hpp"
#include "losses/lsoftmax.hpp"
#include "loss_test_util.hpp"

using namespace fg;
using namespace fg_test;

namespace {

const double kPi = 3.141592653589793;


// The lecture's scale in double; a small one where float's loose check needs it.
LossParams scaled(LossParams p, const std::string& float_s = "2") {
  if (sizeof(real) == 4) p["s"] = float_s;
  return p;
}

// Points sample 0 nearly opposite its class weight (theta_y about pi - 0.2),
// so ArcFace's and the combined margin's second branch and L-Softmax's last
// interval are exercised too.
LossCase far_sample(LossCase c) {
  const Tensor W = c.loss->class_weights();
  for (int k = 0; k < c.N; ++k) c.h.at(0, k) = -W.at(c.y[0], k) + real(0.05 * (k + 1));
  return c;
}

// |h_i| as an [m, 1] column, from primitive ops.
Var norms(const Var& x) { return reshape(sqrt(sum(x * x, 1)), {x.shape()[0], 1}); }

// psi of L-Softmax from the definition: ((-1)^k cos(m theta) - 2k + lambda cos theta) / (1 + lambda),
// k = floor(m theta / pi) read off the values (a constant of the graph).
Var lsoftmax_psi_primitive(const Var& cy, int m, double lambda) {
  Var theta = acos(cy);
  const int n = cy.shape()[0];
  Tensor sign({n}), two_k({n});
  for (int i = 0; i < n; ++i) {
    const int k = std::min(m - 1, int(std::floor(theta.value()[i] * m / kPi)));
    sign[i] = k % 2 ? -1 : 1;
    two_k[i] = real(2 * k);
  }
  Var psi = constant(sign) * cos(theta * real(m)) - constant(two_k) + cy * real(lambda);
  return psi / real(1 + lambda);
}

// where(mask, a, b) with a mask read off the values.
Var select(const std::vector<bool>& mask, const Var& a, const Var& b) {
  Tensor t({int(mask.size())});
  for (size_t i = 0; i < mask.size(); ++i) t[int64_t(i)] = mask[i] ? 1 : 0;
  return constant(t) * a + (1.0 - constant(t)) * b;
}

}  // namespace

TEST_CASE("angular: L-Softmax psi against its definition, continuous and non-increasing",
          "[losses][angular]") {
  for (int m = 1; m <= 6; ++m) {
    const TargetLogit t = lsoftmax_target(m, 0);
    double prev = 2;
    for (int s = 0; s <= 2000; ++s) {
      const double theta = kPi * s / 2000, c = std::cos(theta);
      const int k = std::min(m - 1, int(std::floor(theta * m / kPi)));
      INFO("m = " << m << ", theta = " << theta);
      CHECK(t.psi(c) == Approx((k % 2 ? -1 : 1) * std::cos(m * theta) - 2 * k).margin(1e-9));
      CHECK(t.psi(c) <= prev + 1e-12);  // non-increasing in theta
      prev = t.psi(c);
    }
    for (int k = 1; k < m; ++k) {  // both pieces meet at k pi / m, at the value 1 - 2k
      const double th = k * kPi / m, d = 1e-7;
      INFO("m = " << m << ", k = " << k);
      CHECK(t.psi(std::cos(th - d)) == Approx(1 - 2 * k).margin(1e-6));
      CHECK(t.psi(std::cos(th + d)) == Approx(1 - 2 * k).margin(1e-6));
    }
    // The Chebyshev form keeps the slope finite at theta = 0 and pi: m^2 at c = 1.
    CHECK(t.dpsi(1.0) == Approx(m * m));
    CHECK(std::isfinite(t.dpsi(-1.0)));
  }
  CHECK(lsoftmax_k(4, std::cos(0.1)) == 0);
  CHECK(lsoftmax_k(4, std::cos(kPi - 0.1)) == 3);
}

TEST_CASE("angular: psi of ArcFace and the combined margin", "[losses][angular]") {
  const double m = 0.5;
  const TargetLogit arc = arcface_target(m, false), easy = arcface_target(m, true);
  for (int s = 0; s <= 1000; ++s) {
    const double theta = kPi * s / 1000, c = std::cos(theta);
    INFO("theta = " << theta);
    CHECK(arc.psi(c) == Approx(theta + m <= kPi ? std::cos(theta + m) : c - m * std::sin(m))
                            .margin(1e-6));
    CHECK(easy.psi(c) == Approx(c > 0 ? std::cos(theta + m) : c).margin(1e-6));
    // (1, m, 0) is ArcFace at every angle, its second branch included.
    const TargetLogit comb = combined_target(1, m, 0);
    CHECK(comb.psi(c) == Approx(arc.psi(c)).margin(1e-6));
  }
  // Non-increasing on [0, pi] (jumps included) and finite slopes at theta = 0 and pi.
  const std::vector<std::array<double, 3>> margins = {
      {1, 0.3, 0.2}, {1, 0.5, 0}, {2, 0.2, 0.1}, {4, 0, 0}, {1.5, 1.5, 0.3},
      // m1 < 1: the ArcFace paper's (0.9, 0.4, 0.15) and the range's end 0.5, where
      // theta* = (pi - m2) / m1 lies beyond pi; (0.9, 1.5, 0) has m2 > pi (1 - m1), so
      // theta* = 1.82 falls inside [0, pi] and the fallback is used.
      {0.9, 0.4, 0.15}, {0.5, 0, 0}, {0.5, 1.5, 0.2}, {0.9, 1.5, 0}};
  for (const auto& mm : margins) {
    const TargetLogit t = combined_target(mm[0], mm[1], mm[2]);
    double prev = 1e9;
    for (int s = 0; s <= 4000; ++s) {
      const double v = t.psi(std::cos(kPi * s / 4000));
      INFO("m1, m2, m3 = " << mm[0] << ", " << mm[1] << ", " << mm[2] << "; step " << s);
      CHECK(v <= prev + 1e-9);
      prev = v;
    }
    CHECK(std::isfinite(t.dpsi(1.0)));
    CHECK(std::isfinite(t.dpsi(-1.0)));
  }
  double prev = 1e9;
  for (int s = 0; s <= 4000; ++s) {
    const double v = arc.psi(std::cos(kPi * s / 4000));
    CHECK(v <= prev + 1e-9);
    prev = v;
  }
  CHECK(std::isfinite(arc.dpsi(1.0)));
  CHECK(std::isfinite(arc.dpsi(-1.0)));
}

TEST_CASE("angular: dpsi/dc is the derivative of psi", "[losses][angular]") {
  const std::vector<std::pair<std::string, TargetLogit>> targets = {
      {"lsoftmax m=2", lsoftmax_target(2, 0)},     {"lsoftmax m=4 lambda=5", lsoftmax_target(4, 5)},
      {"arcface", arcface_target(0.5, false)},     {"arcface easy", arcface_target(0.5, true)},
      {"combined", combined_target(1, 0.3, 0.2)},  {"combined m1=3", combined_target(3, 0.2, 0.1)}};
  for (const auto& nt : targets)
    for (double c = -0.97; c < 0.98; c += 0.0617) {
      const double d = 1e-6;
      const double numeric = (nt.second.psi(c + d) - nt.second.psi(c - d)) / (2 * d);
      INFO(nt.first << " at c = " << c);
      CHECK(nt.second.dpsi(c) == Approx(numeric).epsilon(1e-5).margin(1e-5));
    }
}

TEST_CASE("angular: combined margin slopes keep their limits at theta = 0 and pi",
          "[losses][angular]") {
  // With m2 = 0 the target is cos(m1 theta) - m3, whose slope in c tends to
  // m1^2 as theta -> 0 (Chebyshev: T_m'(1) = m^2); (1, 0, 0) is plain cos, slope 1.
  const TargetLogit plain = combined_target(1, 0, 0), triple = combined_target(3, 0, 0);
  for (double c : {1.0, 1 - 1e-9, 1 - 1e-12}) {
    INFO("c = " << c);
    CHECK(plain.dpsi(c) == Approx(1).epsilon(1e-6));
    CHECK(triple.dpsi(c) == Approx(9).epsilon(1e-4));
  }
  for (double c : {-1.0, -1 + 1e-12}) CHECK(plain.dpsi(c) == Approx(1).epsilon(1e-6));
}

TEST_CASE("angular: finite differences", "[losses][angular]") {
  REQUIRE_PASSES(far_sample(LossCase("lsoftmax", {{"lambda", "0"}})).gradcheck(), "lsoftmax m=2");
  REQUIRE_PASSES(far_sample(LossCase("lsoftmax", {{"m", "3"}, {"lambda", "0.5"}})).gradcheck(),
             "lsoftmax m=3");
  REQUIRE_PASSES(LossCase("lsoftmax", {}).gradcheck(), "lsoftmax annealed");
  REQUIRE_PASSES(far_sample(LossCase("asoftmax", {{"lambda", "0"}})).gradcheck(), "asoftmax m=4");
  REQUIRE_PASSES(LossCase("asoftmax", {{"lambda", "5"}}).gradcheck(), "asoftmax lambda=5");
  REQUIRE_PASSES(LossCase("amsoftmax", scaled({{"learn_s", "1"}})).gradcheck(), "amsoftmax");
  REQUIRE_PASSES(LossCase("cosface", scaled({})).gradcheck(), "cosface");
  REQUIRE_PASSES(far_sample(LossCase("arcface", scaled({{"learn_s", "1"}}))).gradcheck(), "arcface");
  REQUIRE_PASSES(LossCase("arcface", scaled({{"easy_margin", "1"}})).gradcheck(), "arcface easy");
  REQUIRE_PASSES(far_sample(LossCase("combined", scaled({{"learn_s", "1"}}))).gradcheck(), "combined");
  REQUIRE_PASSES(far_sample(LossCase("combined", scaled({{"m1", "2"}, {"m2", "0.2"}}))).gradcheck(),
             "combined m1=2");
}

TEST_CASE("angular: the node against primitive ops", "[losses][angular]") {
  for (int m : {1, 2, 4}) {
    LossCase c = far_sample(LossCase("lsoftmax", {{"m", std::to_string(m)}, {"lambda", "0.7"}}));
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      Var cs = primitive_cosine(v[0], v[1]);
      Var a = norms(v[0]) * reshape(norms(v[1]), {1, c.K});  // |h_i| |W_j|
      return primitive_cross_entropy(
          replace_target(a, cs, lsoftmax_psi_primitive(gather(cs, c.y), m, 0.7), c.y), c.y);
    }), "lsoftmax m=" + std::to_string(m));
  }
  {
    LossCase c = far_sample(LossCase("asoftmax", {{"lambda", "0"}}));
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      Var cs = primitive_cosine(v[0], v[1]);
      return primitive_cross_entropy(
          replace_target(norms(v[0]), cs, lsoftmax_psi_primitive(gather(cs, c.y), 4, 0), c.y), c.y);
    }), "asoftmax");
  }
  for (const char* name : {"amsoftmax", "cosface"}) {
    LossCase c(name, {{"learn_s", "1"}, {"m", "0.3"}});
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      Var cs = primitive_cosine(v[0], v[1]);
      return primitive_cross_entropy(replace_target(v[2], cs, gather(cs, c.y) - 0.3, c.y), c.y);
    }), name);
  }
  {
    LossCase c = far_sample(LossCase("arcface", {{"learn_s", "1"}, {"s", "20"}}));
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      Var cs = primitive_cosine(v[0], v[1]), cy = gather(cs, c.y), theta = acos(cy);
      std::vector<bool> first(c.m);
      for (int i = 0; i < c.m; ++i) first[i] = theta.value()[i] + 0.5 <= kPi;
      Var psi = select(first, cos(theta + 0.5), cy - 0.5 * std::sin(0.5));
      return primitive_cross_entropy(replace_target(v[2], cs, psi, c.y), c.y);
    }), "arcface");
  }
  {
    const double m1 = 2, m2 = 0.2, m3 = 0.1;
    LossCase c = far_sample(LossCase("combined", {{"s", "10"}, {"m1", "2"}, {"m2", "0.2"}, {"m3", "0.1"}}));
    REQUIRE_PASSES(c.crosscheck([&](const std::vector<Var>& v) {
      Var cs = primitive_cosine(v[0], v[1]), cy = gather(cs, c.y), theta = acos(cy);
      const double theta_star = (kPi - m2) / m1;
      const double shift = std::cos(theta_star) + std::cos(m2) + m2 * std::sin(m2) + m3;
      std::vector<bool> first(c.m);
      for (int i = 0; i < c.m; ++i) first[i] = theta.value()[i] <= theta_star;
      Var psi = select(first, cos(theta * real(m1) + real(m2)) - real(m3), cy - real(shift));
      return primitive_cross_entropy(replace_target(constant(Tensor::scalar(10)), cs, psi, c.y), c.y);
    }), "combined");
  }
}

TEST_CASE("angular: identities between the losses", "[losses][angular]") {
  auto same = [](const std::string& a, const LossParams& pa, const std::string& b,
                 const LossParams& pb, bool far) {
    LossCase ca(a, pa), cb(b, pb);
    if (far) ca = far_sample(ca);
    cb.h = ca.h;
    cb.y = ca.y;
    return crosscheck(ca.fn(), cb.fn(), ca.inputs());
  };
  REQUIRE_PASSES(same("combined", {{"s", "7"}, {"m1", "1"}, {"m2", "0"}, {"m3", "0"}}, "normface",
                  {{"s", "7"}, {"learn_s", "0"}}, false), "combined (1,0,0) = normface");
  REQUIRE_PASSES(same("combined", {{"s", "64"}, {"m1", "1"}, {"m2", "0.5"}, {"m3", "0"}}, "arcface", {},
                  true), "combined (1,0.5,0) = arcface");
  REQUIRE_PASSES(same("combined", {{"s", "64"}, {"m1", "1"}, {"m2", "0"}, {"m3", "0.35"}}, "cosface",
                  {}, true), "combined (1,0,0.35) = cosface");
  REQUIRE_PASSES(same("lsoftmax", {{"m", "1"}, {"lambda", "0"}}, "softmax", {}, true),
             "lsoftmax m=1 lambda=0 = softmax");
  REQUIRE_PASSES(same("amsoftmax", {{"s", "64"}, {"m", "0.35"}}, "cosface", {}, false),
             "amsoftmax = cosface with CosFace's values");
}

TEST_CASE("angular: lambda annealing moves the target logit from cos toward psi",
          "[losses][angular]") {
  CHECK(lambda_schedule(0, 1000, 0.12, 1, 5) == 1000);
  CHECK(lambda_schedule(100, 1000, 0.12, 1, 5) == Approx(1000 / 13.0));
  CHECK(lambda_schedule(100000, 1000, 0.12, 1, 5) == 5);
  const double c = std::cos(1.0);  // theta = 1 rad, in the second interval for m = 2
  const double psi0 = lsoftmax_target(2, 0).psi(c);
  double prev_gap = -1;
  for (int64_t t : {0, 10, 100, 1000, 100000}) {
    const double lambda = lambda_schedule(t, 1000, 0.12, 1, 5);
    const double target = lsoftmax_target(2, lambda).psi(c);
    const double gap = c - target;  // how far the target logit has moved below cos theta
    CHECK(gap > prev_gap);
    CHECK(target == Approx((lambda * c + psi0) / (1 + lambda)));
    prev_gap = gap;
  }
  CHECK(lsoftmax_target(2, 1000).psi(c) == Approx(c).margin(3e-3));  // starts near softmax
  // Through the registry: the loss on a fixed batch grows as lambda falls
  // (psi <= cos theta), and lambda= stops the schedule.
  LossCase lc("lsoftmax", {});
  double prev = -1;
  for (int64_t t : {0, 100, 1000, 10000}) {
    lc.loss->set_iteration(t);
    const double v = lc.loss->forward(LossInput{constant(lc.h), lc.y, nullptr}).value()[0];
    CHECK(v > prev);
    prev = v;
  }
  auto fixed = make_loss("asoftmax", {{"lambda", "3"}}, LossContext{4, 3, 0});
  fixed->set_iteration(100000);
  CHECK(fixed->describe() == "asoftmax m=4 lambda=3");
}

TEST_CASE("angular: margin warm-up ramps m from 0", "[losses][angular]") {
  LossCase full("arcface", {{"m", "0.25"}});
  auto value = [&](const std::string& name, const LossParams& p, int64_t t) {
    LossCase c(name, p);
    c.h = full.h;
    c.loss->set_iteration(t);
    return c.loss->forward(LossInput{constant(c.h), full.y, nullptr}).value()[0];
  };
  const LossParams warm = {{"m", "0.5"}, {"warmup", "100"}};
  CHECK(value("arcface", warm, 0) == Approx(value("normface", {{"s", "64"}}, 0)));
  CHECK(value("arcface", warm, 50) == Approx(value("arcface", {{"m", "0.25"}}, 0)));
  CHECK(value("arcface", warm, 100) == Approx(value("arcface", {}, 0)));
  CHECK(value("arcface", warm, 500) == Approx(value("arcface", {}, 0)));
  CHECK(value("cosface", {{"warmup", "10"}}, 5) == Approx(value("cosface", {{"m", "0.175"}}, 0)));
  CHECK(value("combined", {{"m1", "3"}, {"warmup", "4"}}, 2) ==
        Approx(value("combined", {{"m1", "2"}, {"m2", "0.15"}, {"m3", "0.1"}}, 0)));
}

TEST_CASE("angular: stability battery", "[losses][angular]") {
  const std::vector<std::pair<std::string, LossParams>> losses = {
      {"lsoftmax", {{"lambda", "0"}}},        {"lsoftmax", {}},
      {"asoftmax", {{"lambda", "0"}}},        {"amsoftmax", {{"s", "64"}, {"learn_s", "1"}}},
      {"cosface", {{"learn_s", "1"}}},        {"arcface", {{"learn_s", "1"}}},
      {"arcface", {{"easy_margin", "1"}}},    {"combined", {{"learn_s", "1"}}},
      {"combined", {{"m1", "4"}, {"m2", "0"}, {"m3", "0"}}},
  };
  const int K = 3, N = 4;
  for (const auto& lp : losses) {
    auto loss = make_loss(lp.first, lp.second, LossContext{K, N, 11});
    const Tensor W = loss->class_weights();
    for (const BatteryCase& bc : battery_cases(W, K, N)) {
      INFO(loss->describe() << ": " << bc.what);
      const Outcome o = run_once(*loss, bc.h, bc.y);
      CHECK(o.finite);
      CHECK(o.value >= 0);
    }
  }
}
