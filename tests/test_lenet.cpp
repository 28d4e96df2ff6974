// LeNet++: shapes, the parameter count worked out by hand, seeding, a
// gradient check of a narrow copy on small inputs, and a full-size
// forward + backward that leaves nothing behind.
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include <cmath>

#include "core/ops.hpp"
#include "core/random.hpp"
#include "layers/gradcheck_module.hpp"
#include "layers/lenetpp.hpp"

using namespace fg;

namespace {
Tensor images(Shape s, uint64_t seed) {
  Rng r(seed);
  return Tensor::uniform(std::move(s), r, 0, 1);
}
}  // namespace

TEST_CASE("LeNet++: output shapes and parameter counts by hand", "[lenet]") {
  // Convolutions (5x5 weights + bias), 28x28 input:
  //   conv1a 32*1*25 + 32 = 832        conv1b 32*32*25 + 32 = 25,632
  //   conv2a 64*32*25 + 64 = 51,264    conv2b 64*64*25 + 64 = 102,464
  //   conv3a 128*64*25 + 128 = 204,928 conv3b 128*128*25 + 128 = 409,728
  //   sum 794,848; PReLU slopes 2 (32 + 64 + 128) = 448.
  // Head: 28 -> 14 -> 7 -> 3, so 128*3*3 = 1152 inputs; fc 1152 d + d, PReLU d.
  //   d = 2:  2,304 + 2 + 2 = 2,308      total 794,848 + 448 + 2,308 = 797,604
  //   d = 3:  3,456 + 3 + 3 = 3,462      total 798,758
  //   d = 64: 73,728 + 64 + 64 = 73,856  total 869,152
  const std::pair<int, int64_t> cases[] = {{2, 797604}, {3, 798758}, {64, 869152}};
  Tensor x = images({2, 1, 28, 28}, 1);
  for (auto [dim, count] : cases) {
    LeNetPP net(dim, 7);
    INFO("embedding " << dim);
    REQUIRE(net.head_inputs == 1152);
    REQUIRE(net.num_parameters() == count);
    NoGrad off;
    REQUIRE(net(constant(x)).shape() == Shape{2, dim});
  }
  // With BatchNorm the six convolutions lose their 448 biases and gain 2 * 448
  // scales and shifts: 797,604 - 448 + 896 = 798,052; buffers 2 * 448 = 896 numbers.
  LeNetPPOptions o;
  o.batchnorm = true;
  LeNetPP bn(o);
  REQUIRE(bn.num_parameters() == 798052);
  int64_t buffered = 0;
  for (auto& b : bn.buffers()) buffered += b.second.numel();
  REQUIRE(buffered == 896);

  auto names = LeNetPP(2, 0).parameters();
  REQUIRE(names.front().first == "conv1a.weight");
  REQUIRE(names[2].first == "prelu1a.alpha");
  REQUIRE(names.back().first == "prelu_fc.alpha");
  REQUIRE(names[names.size() - 3].first == "fc.weight");
}

TEST_CASE("LeNet++: other input sizes and channels, and errors", "[lenet]") {
  // 3 x 32 x 32: 32 -> 16 -> 8 -> (8 - 3) / 2 + 1 = 3, so again 1152 head inputs.
  LeNetPPOptions o;
  o.in_channels = 3, o.height = 32, o.width = 32, o.embedding_dim = 5;
  LeNetPP rgb(o);
  REQUIRE(rgb.head_inputs == 1152);
  {
    NoGrad off;
    REQUIRE(rgb(constant(images({1, 3, 32, 32}, 2))).shape() == Shape{1, 5});
  }
  // 12 x 20: 12 -> 6 -> 3 -> 1 and 20 -> 10 -> 5 -> 2: 128 * 1 * 2 = 256.
  o = LeNetPPOptions{};
  o.height = 12, o.width = 20;
  REQUIRE(LeNetPP(o).head_inputs == 256);
  o.height = 11;
  REQUIRE_THROWS_WITH(LeNetPP(o), Catch::Contains("11x20") && Catch::Contains("too small"));
  LeNetPP net(2, 0);
  REQUIRE_THROWS_WITH(net(constant(Tensor({2, 1, 32, 32}))),
                      Catch::Contains("[N, 1, 28, 28]") && Catch::Contains("[2, 1, 32, 32]"));
}

TEST_CASE("LeNet++: the seed decides the weights", "[lenet]") {
  LeNetPP a(2, 11), b(2, 11), c(2, 12);
  auto pa = a.parameters(), pb = b.parameters(), pc = c.parameters();
  bool all_same = true, any_differs = false;
  for (size_t k = 0; k < pa.size(); ++k)
    for (int64_t i = 0; i < pa[k].second.value().numel(); ++i) {
      all_same = all_same && pa[k].second.value()[i] == pb[k].second.value()[i];
      any_differs = any_differs || pa[k].second.value()[i] != pc[k].second.value()[i];
    }
  REQUIRE(all_same);
  REQUIRE(any_differs);
  // Kaiming normal, fan_in 32 * 25 = 800: conv1b's weights have std sqrt(2/800) = 0.05.
  const Tensor w = a.parameters()[3].second.value();
  REQUIRE(a.parameters()[3].first == "conv1b.weight");
  double ss = 0;
  for (int64_t i = 0; i < w.numel(); ++i) ss += double(w[i]) * w[i];
  REQUIRE(std::sqrt(ss / w.numel()) == Approx(0.05).epsilon(0.03));
}

TEST_CASE("LeNet++: gradient check of a narrow network on 12x12 inputs", "[lenet]") {
  // Widths 2/3/2 and 12x12 inputs (12 -> 6 -> 3 -> 1) keep about a thousand
  // numbers to perturb. The network is piecewise smooth (PReLU, max-pool); the
  // double suite's steps of 1e-6 do not cross a kink and the check is tight.
  // In float (steps of 1e-2 through eight layers) it is a smoke test with a
  // tolerance of 0.1, still far below the O(1) error of a wrong backward.
  for (bool with_bn : {false, true}) {
    LeNetPPOptions o;
    o.height = o.width = 12;
    o.widths = {2, 3, 2};
    o.embedding_dim = 3;
    o.batchnorm = with_bn;
    o.seed = 5;
    LeNetPP net(o);
    Tensor x = images({2, 1, 12, 12}, 3);
    INFO("BatchNorm " << with_bn);
    REQUIRE_PASSES(gradcheck_module(net, x, true, kGradcheckEps,
                                    sizeof(real) == 8 ? kGradcheckTol : 0.1));
  }
}

TEST_CASE("LeNet++: forward and backward at batch 8 frees its graph", "[lenet]") {
  LeNetPP net(2, 3);
  Tensor x = images({8, 1, 28, 28}, 4);
  auto params = net.parameter_vars();
  {
    Var h = net(constant(x));
    backward(sum(mul(h, h)));
    bool all_finite = true;
    for (auto& p : params) {
      REQUIRE_FALSE(p->grad.empty());
      for (int64_t i = 0; i < p->grad.numel(); ++i) all_finite = all_finite && std::isfinite(p->grad[i]);
    }
    REQUIRE(all_finite);
    double norm = 0;
    for (int64_t i = 0; i < params[0]->grad.numel(); ++i) norm += std::abs(params[0]->grad[i]);
    REQUIRE(norm > 0);
  }
  // Once the output is gone, only the module and `params` hold the parameters.
  for (auto& p : params) REQUIRE(p.use_count() == 2);
}
