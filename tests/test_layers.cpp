// Every layer: a gradient check through the module interface (input and
// every named parameter; tight in the double suite) and its value on a tiny
// case worked out by hand. Then the Module machinery: names, state, modes.
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include <cmath>

#include "core/ops.hpp"
#include "core/random.hpp"
#include "layers/batchnorm.hpp"
#include "layers/conv2d.hpp"
#include "layers/flatten.hpp"
#include "layers/gradcheck_module.hpp"
#include "layers/init.hpp"
#include "layers/linear.hpp"
#include "layers/maxpool.hpp"
#include "layers/prelu.hpp"
#include "layers/relu.hpp"
#include "layers/sequential.hpp"
#include "tests/tensor_test_util.hpp"

using namespace fg;
using fg_test::away;
using fg_test::rnd;

namespace {
// Distinct values 0.05 apart in random order: no near-ties inside a pooling window.
Tensor distinct(Shape s, uint64_t seed) {
  Tensor t(std::move(s));
  std::vector<int> order(t.numel());
  for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
  Rng r(seed);
  r.shuffle(order);
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = real(0.05 * order[i] - 1);
  return t;
}
void check_module(Module& m, const Tensor& x) {
  REQUIRE_PASSES(gradcheck_module(m, x));
}
void require_values(const Var& y, Shape shape, std::vector<double> expected) {
  REQUIRE(y.shape() == shape);
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    REQUIRE(y.value()[int64_t(i)] == Approx(expected[i]).margin(1e-5));
  }
}
void set(const Var& v, std::vector<real> values) {
  Tensor t = v.value();  // shares storage with the parameter
  REQUIRE(size_t(t.numel()) == values.size());
  for (size_t i = 0; i < values.size(); ++i) t[int64_t(i)] = values[i];
}
}  // namespace

TEST_CASE("Linear: values and gradient check, with and without bias", "[layers]") {
  Rng rng(1);
  Linear lin(2, 3, rng);
  REQUIRE(lin.weight.shape() == Shape{3, 2});
  set(lin.weight, {1, 2, 3, -1, 0, 1});
  set(lin.bias, {0.5, -1, 2});
  // x = [[1, 1], [2, -1]]; y = x W^T + b:
  //   row 0: 1+2+0.5 = 3.5,  3-1-1 = 1,  0+1+2 = 3
  //   row 1: 2-2+0.5 = 0.5,  6+1-1 = 6,  0-1+2 = 1
  require_values(lin(constant(Tensor::from({2, 2}, {1, 1, 2, -1}))), {2, 3},
                 {3.5, 1, 3, 0.5, 6, 1});
  check_module(lin, rnd({4, 2}, 2));
  Linear nob(5, 3, rng, false);
  REQUIRE(nob.parameters().size() == 1);
  check_module(nob, rnd({2, 5}, 3));
  REQUIRE_THROWS_WITH(lin(constant(Tensor({2, 4}))),
                      Catch::Contains("Linear") && Catch::Contains("[2, 4]"));
}

TEST_CASE("Conv2d: values and gradient check with stride, padding, no bias", "[layers]") {
  Rng rng(4);
  Conv2d conv(1, 1, 2, rng, 1, 1);
  set(conv.weight, {1, 0, 0, -1});
  set(conv.bias, {1});
  // x = 1..9 in a 3x3 grid; with padding 1 the output is 4x4 and
  // y(i, j) = x(i-1, j-1) - x(i, j) + 1 (zero outside the grid):
  //   y(0,0) = 0 - 1 + 1 = 0;  y(1,1) = 1 - 5 + 1 = -3;  y(3,3) = 9 - 0 + 1 = 10;
  //   y(0,3) = 0 - 0 + 1 = 1;  y(1,0) = 0 - 4 + 1 = -3.
  Var y = conv(constant(Tensor::from({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})));
  REQUIRE(y.shape() == Shape{1, 1, 4, 4});
  REQUIRE(y.value()[0] == Approx(0));
  REQUIRE(y.value()[5] == Approx(-3));
  REQUIRE(y.value()[15] == Approx(10));
  REQUIRE(y.value()[3] == Approx(1));
  REQUIRE(y.value()[4] == Approx(-3));
  REQUIRE(conv.out_size(3) == 4);

  Conv2d c2(2, 3, 3, rng, 2, 1);
  check_module(c2, rnd({2, 2, 5, 5}, 5));
  Conv2d c3(2, 2, 3, rng, 1, 0, false);
  REQUIRE(c3.parameters().size() == 1);
  check_module(c3, rnd({1, 2, 4, 4}, 6));
  REQUIRE_THROWS_WITH(c2(constant(Tensor({1, 3, 5, 5}))),
                      Catch::Contains("Conv2d") && Catch::Contains("[1, 3, 5, 5]"));
}

TEST_CASE("MaxPool2d: values and gradient check, 2x2 and overlapping 3x3/2", "[layers]") {
  MaxPool2d p2(2), p3(3, 2);
  Tensor x({1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x[i] = real(i + 1);  // rows 1-4, 5-8, 9-12, 13-16
  // 2x2 windows: max of each is its lower right corner.
  require_values(p2(constant(x)), {1, 1, 2, 2}, {6, 8, 14, 16});
  // 3x3 stride 2 over 4x4: one window, rows and columns 0..2, maximum x(2,2) = 11.
  require_values(p3(constant(x)), {1, 1, 1, 1}, {11});
  REQUIRE(p3.out_size(7) == 3);
  REQUIRE(p2.out_size(7) == 3);
  check_module(p2, distinct({2, 2, 4, 4}, 7));
  check_module(p3, distinct({1, 2, 7, 7}, 8));
}

TEST_CASE("PReLU and ReLU: values and gradient check", "[layers]") {
  PReLU shared, per(2, 0.1);
  set(per.alpha, {0.1, 0.5});
  Tensor x = Tensor::from({2, 2}, {-2, 3, 4, -6});
  // shared slope 0.25: -0.5, 3, 4, -1.5;  per channel (0.1, 0.5): -0.2, 3, 4, -3
  require_values(shared(constant(x)), {2, 2}, {-0.5, 3, 4, -1.5});
  require_values(per(constant(x)), {2, 2}, {-0.2, 3, 4, -3});
  ReLU relu_layer;
  require_values(relu_layer(constant(x)), {2, 2}, {0, 3, 4, 0});
  check_module(shared, away({2, 3, 2, 2}, 9));
  PReLU per3(3);
  set(per3.alpha, {0.1, 0.3, -0.2});
  check_module(per3, away({2, 3, 2, 2}, 10));
  check_module(per, away({3, 2}, 11));
  check_module(relu_layer, away({2, 5}, 12));
  REQUIRE_THROWS_AS(per3(constant(Tensor({2, 2}))), Error);
}

TEST_CASE("Flatten: shape, no copy, gradient", "[layers]") {
  Flatten f;
  Tensor x = rnd({2, 3, 2, 2}, 13);
  Var y = f(constant(x));
  REQUIRE(y.shape() == Shape{2, 12});
  REQUIRE(y.value().shares_storage_with(x));
  check_module(f, x);
}

TEST_CASE("BatchNorm: training values, running statistics, eval mode", "[layers]") {
  BatchNorm bn(1, 5.0);  // eps 5 keeps the hand arithmetic exact
  set(bn.weight, {3});
  set(bn.bias, {1});
  // x = 1, 1, 5, 5: mean 3, biased variance 4, sqrt(4 + 5) = 3, xhat = -2/3, -2/3, 2/3, 2/3;
  // y = 3 xhat + 1 = -1, -1, 3, 3.
  require_values(bn(constant(Tensor::from({4, 1}, {1, 1, 5, 5}))), {4, 1}, {-1, -1, 3, 3});
  // running_mean = 0.9 * 0 + 0.1 * 3 = 0.3; running_var = 0.9 * 1 + 0.1 * 4 * 4/3 = 1.4333...
  REQUIRE(bn.running_mean[0] == Approx(0.3));
  REQUIRE(bn.running_var[0] == Approx(0.9 + 0.4 * 4.0 / 3.0));
  bn.eval();
  // eval: y = 3 (x - 0.3) / sqrt(1.4333 + 5) + 1; at x = 0.3 it is 1, one std above it is 4.
  const double sd = std::sqrt(0.9 + 0.4 * 4.0 / 3.0 + 5);
  require_values(bn(constant(Tensor::from({2, 1}, {0.3, real(0.3 + sd)}))), {2, 1}, {1, 4});
  REQUIRE(bn.running_mean[0] == Approx(0.3));  // eval leaves the statistics alone

  // 2-D: channel 0 holds 1, 5 | 5, 1 (mean 3, var 4), channel 1 holds 2, 2 | 4, 4
  // (mean 3, var 1); with eps 5: channel 0 -> +-2/3, channel 1 -> +-1/sqrt(6).
  BatchNorm bn2(2, 5.0);
  const double q = 1 / std::sqrt(6.0);
  require_values(bn2(constant(Tensor::from({2, 2, 1, 2}, {1, 5, 2, 2, 5, 1, 4, 4}))),
                 {2, 2, 1, 2}, {-2 / 3.0, 2 / 3.0, -q, -q, 2 / 3.0, -2 / 3.0, q, q});
  REQUIRE_THROWS_WITH(bn2(constant(Tensor({1, 2}))), Catch::Contains("more than one value"));
  REQUIRE_THROWS_WITH(bn2(constant(Tensor({4, 3}))), Catch::Contains("[4, 3]"));
}

TEST_CASE("BatchNorm: gradient check, 1-D and 2-D, train and eval, not affine", "[layers]") {
  BatchNorm bn1(3), bn2(2);
  set(bn1.weight, {1.5, -0.7, 0.4});
  set(bn1.bias, {0.1, 0.2, -0.3});
  check_module(bn1, rnd({5, 3}, 14));
  check_module(bn2, rnd({2, 2, 3, 3}, 15));
  BatchNorm plain(2, 1e-5, 0.1, false);
  REQUIRE(plain.parameters().empty());
  REQUIRE(plain.buffers().size() == 2);
  check_module(plain, rnd({3, 2, 2, 2}, 16));
  set(bn2.weight, {2, 0.5});
  Tensor rm = bn2.running_mean, rv = bn2.running_var;  // share storage with the buffers
  rm[0] = 0.2, rm[1] = -0.1, rv[0] = 0.8, rv[1] = 1.7;
  bn2.eval();
  check_module(bn2, rnd({2, 2, 3, 3}, 17));
}

TEST_CASE("Sequential: order, names, nested prefixes, errors name the child", "[layers]") {
  Rng rng(18);
  Sequential net;
  auto& l1 = net.emplace<Linear>("", 3, 4, rng);
  net.emplace<PReLU>("", 4);
  auto inner = std::make_unique<Sequential>();
  inner->emplace<Linear>("fc", 4, 2, rng, false);
  net.add(std::move(inner), "head");
  std::vector<std::string> names;
  for (auto& p : net.parameters()) names.push_back(p.first);
  REQUIRE(names == std::vector<std::string>{"0.weight", "0.bias", "1.alpha", "head.fc.weight"});
  REQUIRE(net.num_parameters() == 12 + 4 + 4 + 8);
  REQUIRE(&net[0] == &l1);

  // The output equals the layers applied by hand.
  Tensor x = rnd({2, 3}, 19);
  auto& pl = static_cast<PReLU&>(net[1]);
  auto& fc = static_cast<Linear&>(static_cast<Sequential&>(net[2])[0]);
  Var by_hand = matmul(prelu(add(matmul(constant(x), l1.weight, false, true), l1.bias), pl.alpha),
                       fc.weight, false, true);
  Var y = net(constant(x));
  for (int i = 0; i < 4; ++i) REQUIRE(y.value()[i] == Approx(by_hand.value()[i]));
  check_module(net, x);

  REQUIRE_THROWS_WITH(net.add(std::make_unique<ReLU>(), "head"), Catch::Contains("head"));
  REQUIRE_THROWS_WITH(net(constant(Tensor({2, 5}))),
                      Catch::Contains("\"0\"") && Catch::Contains("[2, 5]"));
}

TEST_CASE("Module: state round trip, load errors change nothing, train/eval reach children",
          "[layers]") {
  Rng rng(20);
  auto make = [](Rng& r) {
    auto s = std::make_unique<Sequential>();
    s->emplace<Conv2d>("conv", 1, 2, 3, r, 1, 1);
    s->emplace<BatchNorm>("bn", 2);
    s->emplace<Flatten>("flat");
    return s;
  };
  auto a = make(rng), b = make(rng);
  Tensor x = rnd({3, 1, 4, 4}, 21);
  (*a)(constant(x));  // moves a's running statistics
  auto st = a->state();
  std::vector<std::string> names;
  for (auto& s : st) names.push_back(s.first);
  REQUIRE(names == std::vector<std::string>{"conv.weight", "conv.bias", "bn.weight", "bn.bias",
                                            "bn.running_mean", "bn.running_var"});
  b->load_state(st);
  a->eval();
  b->eval();
  REQUIRE_FALSE(a->training());
  REQUIRE_FALSE((*a)[1].training());
  Var ya = (*a)(constant(x)), yb = (*b)(constant(x));
  for (int64_t i = 0; i < ya.value().numel(); ++i) REQUIRE(ya.value()[i] == yb.value()[i]);

  // state() is a snapshot: training after it does not change it.
  const real before = st[0].second[0];
  Tensor w = a->parameters()[0].second.value();
  w[0] += 1;
  REQUIRE(st[0].second[0] == before);

  auto bad = st;
  bad[1].second = Tensor({3});
  const real keep = b->parameters()[0].second.value()[0];
  REQUIRE_THROWS_WITH(b->load_state(bad), Catch::Contains("conv.bias") && Catch::Contains("[3]"));
  REQUIRE(b->parameters()[0].second.value()[0] == keep);
  bad = st;
  bad.pop_back();
  REQUIRE_THROWS_WITH(b->load_state(bad), Catch::Contains("bn.running_var"));
  bad = st;
  bad.emplace_back("fc.weight", Tensor({1}));
  REQUIRE_THROWS_WITH(b->load_state(bad), Catch::Contains("fc.weight"));

  REQUIRE_THROWS_WITH(b->set_parameter("conv.nothing", param(Tensor({1}))),
                      Catch::Contains("conv.nothing"));
  REQUIRE_THROWS_WITH(b->set_parameter("conv.bias", param(Tensor({3}))),
                      Catch::Contains("[2]") && Catch::Contains("[3]"));
}

TEST_CASE("init: Kaiming and Xavier have the stated spread and follow the seed", "[layers]") {
  REQUIRE(fans_of({8, 3, 5, 5}).in == 75);
  REQUIRE(fans_of({8, 3, 5, 5}).out == 200);
  REQUIRE_THROWS_AS(fans_of({4}), Error);
  auto spread = [](const Tensor& t, double& mean, double& sd, double& maxabs) {
    double s = 0, ss = 0;
    maxabs = 0;
    for (int64_t i = 0; i < t.numel(); ++i) {
      s += t[i];
      ss += double(t[i]) * t[i];
      maxabs = std::max(maxabs, std::abs(double(t[i])));
    }
    mean = s / t.numel();
    sd = std::sqrt(ss / t.numel() - mean * mean);
  };
  // [300, 200]: fan_in 200, fan_out 300; 60,000 draws give the std within about 0.3%.
  Tensor w({300, 200});
  double mean, sd, maxabs;
  Rng rng(22);
  kaiming_normal(w, rng);  // std sqrt(2 / 200) = 0.1
  spread(w, mean, sd, maxabs);
  REQUIRE(std::abs(mean) < 0.002);
  REQUIRE(sd == Approx(0.1).epsilon(0.02));
  kaiming_normal(w, rng, 1.0, FanMode::Out);  // sqrt(2 / (2 * 300)) = 0.057735
  spread(w, mean, sd, maxabs);
  REQUIRE(sd == Approx(0.057735).epsilon(0.02));
  kaiming_uniform(w, rng);  // bound sqrt(3) 0.1 = 0.173205, std 0.1
  spread(w, mean, sd, maxabs);
  REQUIRE(maxabs <= 0.173205 + 1e-6);
  REQUIRE(maxabs > 0.17);
  REQUIRE(sd == Approx(0.1).epsilon(0.02));
  xavier_normal(w, rng);  // sqrt(2 / 500) = 0.063246
  spread(w, mean, sd, maxabs);
  REQUIRE(sd == Approx(0.063246).epsilon(0.02));
  xavier_uniform(w, rng, 2.0);  // bound 2 sqrt(6 / 500) = 0.219089, std 0.126491
  spread(w, mean, sd, maxabs);
  REQUIRE(maxabs <= 0.219089 + 1e-6);
  REQUIRE(sd == Approx(0.126491).epsilon(0.02));

  Rng r1(7), r2(7);
  Linear a(4, 3, r1), b(4, 3, r2);
  for (int i = 0; i < 12; ++i) REQUIRE(a.weight.value()[i] == b.weight.value()[i]);
}
