// Optimizers against steps worked out by hand (the arithmetic is in the
// comments), parameter groups, the state round trip, and the schedules at
// chosen iterations.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/ops.hpp"
#include "core/random.hpp"
#include "optim/adam.hpp"
#include "core/schedule.hpp"
#include "optim/sgd.hpp"

using namespace fg;

namespace {
// Runs the optimizer on p = [1, -2] with the gradients given step by step
// and returns p after them.
template <class Opt, class... Args>
Tensor run(std::vector<std::vector<real>> grads, Args&&... args) {
  Var p = param(Tensor::from({2}, {1, -2}));
  Opt opt(std::vector<NamedVar>{{"p", p}}, std::forward<Args>(args)...);
  for (auto& g : grads) {
    opt.zero_grad();
    p.grad() = Tensor::from({2}, g);
    opt.step();
  }
  return p.value();
}
void require_close(const Tensor& t, std::vector<double> expected) {
  REQUIRE(size_t(t.numel()) == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    REQUIRE(t[int64_t(i)] == Approx(expected[i]).margin(2e-6));
  }
}
const std::vector<real> g1{0.5, 1.0}, g2{-1.0, 2.0}, g0{0, 0};
}  // namespace

TEST_CASE("SGD: plain, momentum, Nesterov, weight decay, dampening by hand", "[optim]") {
  // lr 0.1, p = [1, -2], gradients g1 = [0.5, 1], g2 = [-1, 2], then g3 = 0.
  // plain: p1 = [1 - 0.05, -2 - 0.1] = [0.95, -2.1]; p2 = [0.95 + 0.1, -2.1 - 0.2] = [1.05, -2.3]
  require_close(run<SGD>({g1, g2}, 0.1), {1.05, -2.3});
  // momentum 0.9: b1 = g1, p1 = [0.95, -2.1];
  //   b2 = 0.9 [0.5, 1] + [-1, 2] = [-0.55, 2.9], p2 = [0.95 + 0.055, -2.1 - 0.29] = [1.005, -2.39];
  //   b3 = 0.9 b2 = [-0.495, 2.61], p3 = [1.005 + 0.0495, -2.39 - 0.261] = [1.0545, -2.651]
  require_close(run<SGD>({g1, g2}, 0.1, 0.9), {1.005, -2.39});
  require_close(run<SGD>({g1, g2, g0}, 0.1, 0.9), {1.0545, -2.651});
  // Nesterov 0.9: b1 = [0.5, 1], d1 = g1 + 0.9 b1 = [0.95, 1.9], p1 = [0.905, -2.19];
  //   b2 = [-0.55, 2.9], d2 = g2 + 0.9 b2 = [-1.495, 4.61], p2 = [1.0545, -2.651]
  require_close(run<SGD>({g1}, 0.1, 0.9, 0.0, true), {0.905, -2.19});
  require_close(run<SGD>({g1, g2}, 0.1, 0.9, 0.0, true), {1.0545, -2.651});
  // weight decay 0.1: d1 = g1 + 0.1 p0 = [0.6, 0.8], p1 = [0.94, -2.08];
  //   d2 = g2 + 0.1 p1 = [-0.906, 1.792], p2 = [0.94 + 0.0906, -2.08 - 0.1792] = [1.0306, -2.2592]
  require_close(run<SGD>({g1, g2}, 0.1, 0.0, 0.1), {1.0306, -2.2592});
  // momentum 0.9 with dampening 0.5: b1 = g1 (no dampening on the first step), p1 = [0.95, -2.1];
  //   b2 = 0.9 [0.5, 1] + 0.5 [-1, 2] = [-0.05, 1.9], p2 = [0.955, -2.29]
  Var p = param(Tensor::from({2}, {1, -2}));
  SGD damped({ParamGroup{{{"p", p}}, 0.1}}, SGDOptions{0.9, 0.5, false});
  for (auto& g : {g1, g2}) {
    p.grad() = Tensor::from({2}, g);
    damped.step();
  }
  require_close(p.value(), {0.955, -2.29});
  REQUIRE(damped.steps == 2);
  REQUIRE_THROWS_WITH(SGD(std::vector<NamedVar>{{"p", p}}, 0.1, 0, 0, true),
                      Catch::Contains("Nesterov"));
  REQUIRE_THROWS_WITH(SGD(std::vector<NamedVar>{{"p", p}, {"p", p}}, 0.1),
                      Catch::Contains("\"p\""));
  REQUIRE_THROWS_AS(SGD(std::vector<NamedVar>{{"p", p}}, -0.1), Error);
}

TEST_CASE("SGD: momentum and Nesterov combined with weight decay, two steps by hand", "[optim]") {
  // lr 0.1, momentum 0.9, weight decay 0.1, p0 = [1, -2]; d = g + 0.1 p each step.
  // momentum: d1 = [0.6, 0.8] = b1, p1 = [0.94, -2.08];
  //   d2 = [-1 + 0.094, 2 - 0.208] = [-0.906, 1.792], b2 = 0.9 b1 + d2 = [-0.366, 2.512],
  //   p2 = [0.94 + 0.0366, -2.08 - 0.2512] = [0.9766, -2.3312]
  require_close(run<SGD>({g1, g2}, 0.1, 0.9, 0.1), {0.9766, -2.3312});
  // Nesterov: b1 = d1 = [0.6, 0.8], p1 = p0 - 0.1 (d1 + 0.9 b1) = [0.886, -2.152];
  //   d2 = [-0.9114, 1.7848], b2 = [0.54 - 0.9114, 0.72 + 1.7848] = [-0.3714, 2.5048],
  //   d2 + 0.9 b2 = [-1.24566, 4.03912], p2 = [1.010566, -2.555912]
  require_close(run<SGD>({g1}, 0.1, 0.9, 0.1, true), {0.886, -2.152});
  require_close(run<SGD>({g1, g2}, 0.1, 0.9, 0.1, true), {1.010566, -2.555912});
}

TEST_CASE("Adam and AdamW: two steps with bias correction by hand", "[optim]") {
  // lr 0.1, betas 0.9 / 0.999, eps 1e-8, p = [1, -2], g1 = [0.5, 1], g2 = [-1, 2].
  // Step 1: m = 0.1 g1, v = 0.001 g1^2; corrected m/0.1 = g1, v/0.001 = g1^2, so the step
  //   is lr g1 / |g1| = [0.1, 0.1] (eps changes the 8th digit): p1 = [0.9, -2.1].
  require_close(run<Adam>({g1}, 0.1), {0.9, -2.1});
  // Step 2: m = 0.9 [0.05, 0.1] + 0.1 [-1, 2] = [-0.055, 0.29];
  //   v = 0.999 [0.00025, 0.001] + 0.001 [1, 4] = [0.00124975, 0.004999];
  //   1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999;
  //   m^ = [-0.2894737, 1.5263158], v^ = [0.6251876, 2.5007504], sqrt v^ = [0.7906881, 1.5813761];
  //   step = 0.1 m^ / sqrt v^ = [-0.0366104, 0.0965182]; p2 = [0.9366104, -2.1965182].
  require_close(run<Adam>({g1, g2}, 0.1), {0.9366104, -2.1965182});
  // Adam, weight decay 0.1 (added to the gradient): g1' = g1 + 0.1 [1, -2] = [0.6, 0.8],
  //   step 1 is again lr sign(g1') = [0.1, 0.1]: p1 = [0.9, -2.1];
  //   g2' = g2 + 0.1 p1 = [-0.91, 1.79]; m = 0.9 [0.06, 0.08] + 0.1 g2' = [-0.037, 0.251];
  //   v = 0.999 0.001 [0.36, 0.64] + 0.001 [0.8281, 3.2041] = [0.00118774, 0.00384346];
  //   m^ = [-0.1947368, 1.3210526], v^ = [0.5941671, 1.9226913], sqrt = [0.7708223, 1.3866115];
  //   step = [-0.0252635, 0.0952720]; p2 = [0.9252635, -2.1952720].
  require_close(run<Adam>({g1, g2}, 0.1, 0.1), {0.9252635, -2.1952720});
  // AdamW, weight decay 0.1: p shrinks by 1 - lr wd = 0.99 before each step, the moments
  //   see the raw gradients (so the steps are Adam's):
  //   p1 = 0.99 [1, -2] - [0.1, 0.1] = [0.89, -2.08];
  //   p2 = 0.99 p1 + [0.0366104, -0.0965182] = [0.8811 + 0.0366104, -2.0592 - 0.0965182]
  require_close(run<AdamW>({g1}, 0.1, 0.1), {0.89, -2.08});
  require_close(run<AdamW>({g1, g2}, 0.1, 0.1), {0.9177104, -2.1557182});
}

TEST_CASE("Optimizers: parameter groups, lr_scale, parameters without a gradient", "[optim]") {
  Var a = param(Tensor::from({1}, {1})), b = param(Tensor::from({1}, {2})),
      c = param(Tensor::from({1}, {3}));
  ParamGroup ga{{{"a", a}, {"c", c}}, 0.1, 0};
  ParamGroup gb{{{"b", b}}, 1.0, 0.5, 10};
  SGD opt({ga, gb});
  a.grad() = Tensor::from({1}, {0.5});
  b.grad() = Tensor::from({1}, {1});
  // c never receives a gradient: it is skipped, weight decay included.
  opt.step();
  REQUIRE(a.value()[0] == Approx(0.95));  // 1 - 0.1 * 0.5
  REQUIRE(b.value()[0] == Approx(0.0));   // 2 - 1.0 * (1 + 0.5 * 2)
  REQUIRE(c.value()[0] == 3);
  opt.set_lr(0.01);
  REQUIRE(opt.groups[0].lr == Approx(0.01));
  REQUIRE(opt.groups[1].lr == Approx(0.1));
  apply_schedule(opt, constant_schedule(0.2), 5);
  REQUIRE(opt.groups[1].lr == Approx(2.0));
  opt.zero_grad();
  REQUIRE(a.grad()[0] == 0);

  // Adam keeps a step count per parameter: b joins at the second step and gets
  // the bias correction of its own first step, lr sign(g) = 0.1.
  Var x = param(Tensor::from({1}, {0})), y = param(Tensor::from({1}, {0}));
  Adam adam(std::vector<NamedVar>{{"x", x}, {"y", y}}, 0.1);
  x.grad() = Tensor::from({1}, {1});
  adam.step();
  y.grad() = Tensor::from({1}, {-3});
  adam.step();
  REQUIRE(y.value()[0] == Approx(0.1));
  REQUIRE(adam.steps == 2);
}

namespace {
// A small least-squares problem: loss = sum((x W^T + b - target)^2).
struct Problem {
  Var W = param(Tensor::from({2, 3}, {0.5, -0.2, 0.1, 0.3, 0.8, -0.6}));
  Var b = param(Tensor::from({2}, {0.1, -0.1}));
  Tensor x = Tensor::from({4, 3}, {1, 2, 0, -1, 0.5, 1, 0, 1, 1, 2, -1, 0.5});
  Tensor target = Tensor::from({4, 2}, {1, 0, 0, 1, 1, 1, -1, 0});
  std::vector<ParamGroup> groups() {
    return {ParamGroup{{{"W", W}}, 0.05, 0.01}, ParamGroup{{{"b", b}}, 0.1, 0}};
  }
  void grad_step(Optimizer& opt) {
    opt.zero_grad();
    Var r = sub(add(matmul(constant(x), W, false, true), b), constant(target));
    backward(sum(mul(r, r)));
    opt.step();
  }
};

template <class Opt, class Options>
void check_round_trip(Options options) {
  Problem straight, first, second;
  Opt s_opt(straight.groups(), options), f_opt(first.groups(), options);
  for (int i = 0; i < 6; ++i) straight.grad_step(s_opt);
  for (int i = 0; i < 3; ++i) first.grad_step(f_opt);
  // Interrupt: copy the parameters and the optimizer state into a fresh pair.
  Tensor w2 = second.W.value(), b2 = second.b.value();
  std::copy(first.W.value().data(), first.W.value().data() + 6, w2.data());
  std::copy(first.b.value().data(), first.b.value().data() + 2, b2.data());
  Opt resumed(second.groups(), options);
  resumed.load_state(f_opt.state());
  REQUIRE(resumed.steps == 3);
  for (int i = 0; i < 3; ++i) second.grad_step(resumed);
  for (int i = 0; i < 6; ++i) REQUIRE(second.W.value()[i] == straight.W.value()[i]);
  for (int i = 0; i < 2; ++i) REQUIRE(second.b.value()[i] == straight.b.value()[i]);
  // The steps did move the parameters.
  REQUIRE(straight.W.value()[0] != first.W.value()[0]);
}
}  // namespace

TEST_CASE("Optimizers: state() then load_state() continues exactly", "[optim]") {
  check_round_trip<SGD>(SGDOptions{0.9, 0, false});
  check_round_trip<SGD>(SGDOptions{0.9, 0, true});
  check_round_trip<SGD>(SGDOptions{0.5, 0.3, false});
  check_round_trip<Adam>(AdamOptions{});
  check_round_trip<AdamW>(AdamOptions{});

  Problem p;
  SGD opt(p.groups(), SGDOptions{0.9});
  p.grad_step(opt);
  auto st = opt.state();
  std::vector<std::string> names;
  for (auto& s : st) names.push_back(s.first);
  REQUIRE(names == std::vector<std::string>{"step", "group0.W.momentum_buffer",
                                            "group1.b.momentum_buffer"});
  auto bad = st;
  bad[1].second = Tensor({3, 2});
  REQUIRE_THROWS_WITH(opt.load_state(bad), Catch::Contains("group0.W") && Catch::Contains("[3, 2]"));
  bad = st;
  bad.emplace_back("group2.c.momentum_buffer", Tensor({1}));
  REQUIRE_THROWS_WITH(opt.load_state(bad), Catch::Contains("group2.c"));
  bad = st;
  bad.erase(bad.begin());
  REQUIRE_THROWS_WITH(opt.load_state(bad), Catch::Contains("step"));
  Adam adam(p.groups());
  REQUIRE_THROWS_WITH(adam.load_state(st), Catch::Contains("momentum_buffer"));

  // Counts are exact beyond float's 2^24.
  SGD big(p.groups());
  big.steps = (int64_t(1) << 30) + 12345;
  SGD back(p.groups());
  back.load_state(big.state());
  REQUIRE(back.steps == (int64_t(1) << 30) + 12345);
}

TEST_CASE("Schedules at chosen iterations", "[optim]") {
  // step: 0.1 halved every 10: t = 9 -> 0.1, t = 10 -> 0.05, t = 25 -> 0.025
  Schedule st = step_schedule(0.1, 10, 0.5);
  REQUIRE(st(0) == Approx(0.1));
  REQUIRE(st(9) == Approx(0.1));
  REQUIRE(st(10) == Approx(0.05));
  REQUIRE(st(25) == Approx(0.025));
  // multi-step: 1, x0.1 at 3 and 7
  Schedule ms = multistep_schedule(1, {3, 7}, 0.1);
  REQUIRE(ms(2) == Approx(1));
  REQUIRE(ms(3) == Approx(0.1));
  REQUIRE(ms(6) == Approx(0.1));
  REQUIRE(ms(7) == Approx(0.01));
  REQUIRE(ms(1000) == Approx(0.01));
  // cosine from 1 to 0 over 100: t = 25 -> (1 + cos(pi/4)) / 2 = 0.8535534, t = 50 -> 0.5;
  // with floor 0.1: t = 50 -> 0.1 + 0.9 * 0.5 = 0.55, after the end 0.1
  Schedule cs = cosine_schedule(1, 100);
  REQUIRE(cs(0) == Approx(1));
  REQUIRE(cs(25) == Approx(0.8535534));
  REQUIRE(cs(50) == Approx(0.5));
  REQUIRE(cs(100) == Approx(0).margin(1e-12));
  REQUIRE(cs(150) == Approx(0).margin(1e-12));
  Schedule cf = cosine_schedule(1, 100, 0.1);
  REQUIRE(cf(50) == Approx(0.55));
  REQUIRE(cf(400) == Approx(0.1));
  // warm-up over 10 from x0.1 on a constant 0.1: t = 0 -> 0.01, t = 5 -> 0.1 (0.1 + 0.9 * 0.5)
  // = 0.055, t = 10 -> 0.1
  Schedule wc = warmup(constant_schedule(0.1), 10, 0.1);
  REQUIRE(wc(0) == Approx(0.01));
  REQUIRE(wc(5) == Approx(0.055));
  REQUIRE(wc(10) == Approx(0.1));
  // warm-up over 5 from 0 on the step schedule: t = 4 -> 0.1 * 4/5 = 0.08, t = 12 -> 0.05
  Schedule ws = warmup(step_schedule(0.1, 10, 0.5), 5, 0);
  REQUIRE(ws(0) == Approx(0).margin(1e-12));
  REQUIRE(ws(4) == Approx(0.08));
  REQUIRE(ws(12) == Approx(0.05));
  // margin warm-up from 0 to 0.35 over 100: t = 40 -> 0.14, then 0.35
  Schedule ramp = linear_ramp(0, 0.35, 100);
  REQUIRE(ramp(0) == Approx(0).margin(1e-12));
  REQUIRE(ramp(40) == Approx(0.14));
  REQUIRE(ramp(100) == Approx(0.35));
  REQUIRE(ramp(5000) == Approx(0.35));
  // L-Softmax's lambda: max(5, 1000 (1 + 0.12 t)^-1): t = 0 -> 1000, t = 100 -> 1000 / 13
  // = 76.923077, t = 10000 -> 1000 / 1201 < 5, so 5
  Schedule lam = power_decay(1000, 0.12, 1, 5);
  REQUIRE(lam(0) == Approx(1000));
  REQUIRE(lam(100) == Approx(76.923077));
  REQUIRE(lam(10000) == Approx(5));
  // power 2: 100 (1 + t)^-2 at t = 1 -> 25, t = 3 -> 6.25
  Schedule sq = power_decay(100, 1, 2, 0);
  REQUIRE(sq(1) == Approx(25));
  REQUIRE(sq(3) == Approx(6.25));
  REQUIRE(cs.describe().find("cosine") != std::string::npos);

  REQUIRE_THROWS_WITH(step_schedule(0.1, 0, 0.5), Catch::Contains("step_schedule"));
  REQUIRE_THROWS_WITH(multistep_schedule(0.1, {5, 3}, 0.5), Catch::Contains("milestones"));
  REQUIRE_THROWS_AS(cosine_schedule(0.1, 0), Error);
}
