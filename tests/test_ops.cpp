// Every differentiable op against central finite differences (tight in the
// double suite) and against known values.
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "tests/tensor_test_util.hpp"

using namespace fg;
using fg_test::away;
using fg_test::rnd;

namespace {
void check_grad(const TestFn& f, const std::vector<Tensor>& inputs) {
  REQUIRE_PASSES(gradcheck(f, inputs));
}
}  // namespace

TEST_CASE("ops: add sub mul div with broadcasting", "[ops]") {
  Tensor a = rnd({3, 4}, 1), b = rnd({3, 4}, 2), row = rnd({4}, 3), row2 = rnd({1, 4}, 4),
         col = rnd({3, 1}, 5), sc = rnd({1}, 6), pos = rnd({3, 4}, 7, 0.5, 2);
  for (const Tensor& other : {b, row, row2, col, sc}) {
    check_grad([](auto& v) { return add(v[0], v[1]); }, {a, other});
    check_grad([](auto& v) { return sub(v[1], v[0]); }, {a, other});
    check_grad([](auto& v) { return mul(v[0], v[1]); }, {a, other});
  }
  check_grad([](auto& v) { return div(v[0], v[1]); }, {a, pos});
  check_grad([](auto& v) { return div(v[1], v[0]); }, {rnd({4}, 8, 0.5, 2), a});
  check_grad([](auto& v) { return add(v[0], 2.5) * 3.0 - v[0] / 2.0; }, {a});
  Var r = add(constant(Tensor::from({2, 2}, {1, 2, 3, 4})), constant(Tensor::from({2}, {10, 20})));
  REQUIRE(r.value()[3] == 24);
  REQUIRE_THROWS_WITH(add(constant(Tensor({2, 3})), constant(Tensor({2, 2}))),
                      Catch::Contains("add") && Catch::Contains("[2, 3]") &&
                          Catch::Contains("[2, 2]"));
}

TEST_CASE("ops: unary functions", "[ops]") {
  Tensor a = away({2, 5}, 11), pos = rnd({2, 5}, 12, 0.2, 2), in = rnd({2, 5}, 13, -0.9, 0.9);
  check_grad([](auto& v) { return neg(v[0]); }, {a});
  check_grad([](auto& v) { return exp(v[0]); }, {a});
  check_grad([](auto& v) { return log(v[0]); }, {pos});
  check_grad([](auto& v) { return sqrt(v[0]); }, {pos});
  check_grad([](auto& v) { return pow(v[0], 3); }, {a});
  check_grad([](auto& v) { return pow(v[0], real(-1.5)); }, {pos});
  check_grad([](auto& v) { return abs(v[0]); }, {a});
  check_grad([](auto& v) { return clamp(v[0], -0.5, 0.7); }, {rnd({2, 5}, 14, -2, 2)});
  check_grad([](auto& v) { return relu(v[0]); }, {a});
  check_grad([](auto& v) { return sigmoid(v[0]); }, {a});
  check_grad([](auto& v) { return tanh(v[0]); }, {a});
  check_grad([](auto& v) { return cos(v[0]); }, {a});
  check_grad([](auto& v) { return sin(v[0]); }, {a});
  check_grad([](auto& v) { return acos(v[0]); }, {in});
  REQUIRE(relu(constant(Tensor::from({2}, {-1, 2}))).value()[0] == 0);
  REQUIRE(sigmoid(constant(Tensor::from({1}, {-1000}))).value()[0] == 0);
}

TEST_CASE("ops: acos stays finite at +-1", "[ops]") {
  Var x = param(Tensor::from({4}, {1, -1, 1.5, -2}));
  Var y = acos(x);
  backward(sum(y));
  for (int i = 0; i < 4; ++i) {
    REQUIRE(std::isfinite(y.value()[i]));
    REQUIRE(std::isfinite(x.grad()[i]));
  }
  REQUIRE(y.value()[0] == Approx(0).margin(2e-3));
  REQUIRE(y.value()[1] == Approx(M_PI).margin(2e-3));
}

TEST_CASE("ops: reductions", "[ops]") {
  Tensor a = rnd({2, 3, 4}, 21);
  check_grad([](auto& v) { return sum(v[0]); }, {a});
  check_grad([](auto& v) { return mean(v[0]); }, {a});
  for (int axis : {0, 1, 2, -1}) {
    check_grad([axis](auto& v) { return sum(v[0], axis); }, {a});
    check_grad([axis](auto& v) { return mean(v[0], axis); }, {a});
  }
  Var s = sum(constant(Tensor::from({2, 2}, {1, 2, 3, 4})), 0);
  REQUIRE(s.shape() == Shape{2});
  REQUIRE(s.value()[1] == 6);
}

TEST_CASE("ops: softmax, log-softmax, logsumexp, stable for logits of 1e4", "[ops]") {
  Tensor a = rnd({3, 5}, 31, -2, 2);
  check_grad([](auto& v) { return softmax(v[0]); }, {a});
  check_grad([](auto& v) { return log_softmax(v[0]); }, {a});
  check_grad([](auto& v) { return logsumexp(v[0]); }, {a});
  Var big = param(Tensor::from({2, 3}, {1e4, 0, -1e4, 1e4, 1e4, 9990}));
  Var ls = log_softmax(big), p = softmax(big), l = logsumexp(big);
  backward(sum(ls) + sum(p) + sum(l));
  for (int i = 0; i < 6; ++i) {
    REQUIRE(std::isfinite(ls.value()[i]));
    REQUIRE(std::isfinite(p.value()[i]));
    REQUIRE(std::isfinite(big.grad()[i]));
  }
  REQUIRE(p.value()[0] == Approx(1));
  REQUIRE(l.value()[1] == Approx(1e4 + std::log(2.0)).epsilon(1e-6));
}

TEST_CASE("ops: L2 normalisation, finite on a zero row", "[ops]") {
  check_grad([](auto& v) { return l2_normalize(v[0]); }, {rnd({3, 4}, 41)});
  Var z = param(Tensor::zeros({2, 3}));
  Var n = l2_normalize(z);
  backward(sum(n * n) + sum(n));
  for (int i = 0; i < 6; ++i) {
    REQUIRE(std::isfinite(n.value()[i]));
    REQUIRE(std::isfinite(z.grad()[i]));
  }
  Var u = l2_normalize(constant(Tensor::from({1, 2}, {3, 4})));
  REQUIRE(u.value()[0] == Approx(0.6));
}

TEST_CASE("ops: shape ops", "[ops]") {
  Tensor a = rnd({3, 4}, 51), b = rnd({2, 4}, 52);
  check_grad([](auto& v) { return reshape(v[0], {2, 6}); }, {a});
  check_grad([](auto& v) { return flatten(reshape(v[0], {3, 2, 2})); }, {a});
  check_grad([](auto& v) { return transpose(v[0]); }, {a});
  check_grad([](auto& v) { return concat({v[0], v[1], v[0]}); }, {a, b});
  check_grad([](auto& v) { return slice(v[0], 1, 3); }, {a});
  check_grad([](auto& v) { return rows(v[0], {2, 0, 2, 1}); }, {a});
  check_grad([](auto& v) { return gather(v[0], {3, 0, 2}); }, {a});
  check_grad([](auto& v) { return scatter(v[0], {1, 0, 3}, 4); }, {rnd({3}, 53)});
  REQUIRE(gather(constant(a), {1, 2, 3}).value()[2] == a.at(2, 3));
  REQUIRE_THROWS_WITH(gather(constant(a), {1, 9, 0}), Catch::Contains("index 9"));
  REQUIRE_THROWS_WITH(slice(constant(a), 2, 5), Catch::Contains("[3, 4]"));
  REQUIRE_THROWS_AS(concat({constant(a), constant(Tensor({2, 3}))}), Error);
}

TEST_CASE("ops: matmul with every transpose pair", "[ops]") {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor A = ta ? rnd({4, 3}, 61) : rnd({3, 4}, 61);
      Tensor B = tb ? rnd({5, 4}, 62) : rnd({4, 5}, 62);
      check_grad([ta, tb](auto& v) { return matmul(v[0], v[1], ta, tb); }, {A, B});
    }
  Var c = matmul(constant(Tensor::from({1, 2}, {1, 2})), constant(Tensor::from({2, 1}, {3, 4})));
  REQUIRE(c.value()[0] == 11);
  REQUIRE_THROWS_WITH(matmul(constant(Tensor({2, 3})), constant(Tensor({2, 3}))),
                      Catch::Contains("[2, 3]"));
}

TEST_CASE("ops: prelu with shared and per-channel slopes", "[ops]") {
  Tensor x4 = away({2, 3, 2, 2}, 71), x2 = away({4, 3}, 72);
  check_grad([](auto& v) { return prelu(v[0], v[1]); }, {x4, rnd({3}, 73, 0.1, 0.4)});
  check_grad([](auto& v) { return prelu(v[0], v[1]); }, {x2, rnd({1}, 74, 0.1, 0.4)});
  check_grad([](auto& v) { return prelu(v[0], v[1]); }, {x2, rnd({3}, 75, 0.1, 0.4)});
  REQUIRE_THROWS_AS(prelu(constant(x4), constant(Tensor({2}))), Error);
}

TEST_CASE("ops: max pooling", "[ops]") {
  // Distinct values so the maximum is never tied.
  Tensor x({2, 2, 5, 6});
  Rng r(81);
  std::vector<real> vals(x.numel());
  for (size_t i = 0; i < vals.size(); ++i) vals[i] = real(i) * real(0.01);
  r.shuffle(vals);
  for (int64_t i = 0; i < x.numel(); ++i) x[i] = vals[i];
  check_grad([](auto& v) { return maxpool2d(v[0], 2, 2); }, {x});
  check_grad([](auto& v) { return maxpool2d(v[0], 3, 2); }, {x});
  Var p = maxpool2d(constant(Tensor::from({1, 1, 2, 2}, {1, 5, 3, 2})), 2, 2);
  REQUIRE(p.value()[0] == 5);
}

TEST_CASE("ops: conv2d with stride, padding and bias", "[ops]") {
  for (int stride : {1, 2})
    for (int pad : {0, 1}) {
      check_grad([=](auto& v) { return conv2d(v[0], v[1], v[2], stride, pad); }, {rnd({2, 2, 5, 5}, 91), rnd({3, 2, 3, 3}, 92), rnd({3}, 93)});
    }
  check_grad([](auto& v) { return conv2d(v[0], v[1], Var(), 1, 2); }, {rnd({1, 1, 4, 4}, 94),
             rnd({2, 1, 5, 5}, 95)});
  REQUIRE_THROWS_WITH(conv2d(constant(Tensor({1, 3, 8, 8})), constant(Tensor({4, 2, 3, 3})), Var()),
                      Catch::Contains("[1, 3, 8, 8]") && Catch::Contains("[4, 2, 3, 3]"));
  REQUIRE_THROWS_AS(conv2d(constant(Tensor({1, 1, 2, 2})), constant(Tensor({1, 1, 5, 5})), Var()),
                    Error);
  // At stride 2 the integer division would round a negative size up to 1.
  REQUIRE_THROWS_AS(conv2d(constant(Tensor({1, 1, 2, 2})), constant(Tensor({1, 1, 5, 5})), Var(), 2),
                    Error);
}

TEST_CASE("gradcheck catches a wrong gradient", "[ops][gradcheck]") {
  // An op whose backward is deliberately off by 10%: the check must fail.
  auto bad = [](const std::vector<Var>& v) {
    Tensor x = v[0].value();
    Tensor y(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) y[i] = x[i] * x[i];
    return make_node("bad_square", y, {v[0]}, [x](Node& self) {
      Tensor g(x.shape());
      for (int64_t i = 0; i < x.numel(); ++i) g[i] = self.grad[i] * real(2.2) * x[i];
      accumulate(self.inputs[0], g);
    });
  };
  REQUIRE_FALSE(gradcheck(bad, {rnd({3}, 99, 0.5, 1)}).ok);
  REQUIRE_FALSE(crosscheck(bad, [](auto& v) { return v[0] * v[0]; }, {rnd({3}, 98, 0.5, 1)}).ok);
  REQUIRE(crosscheck([](auto& v) { return pow(v[0], 2); }, [](auto& v) { return v[0] * v[0]; },
                     {rnd({3}, 97)}).ok);
}
