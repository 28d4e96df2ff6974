#include <catch2/catch.hpp>

#include "core/graph.hpp"
#include "core/ops.hpp"

using namespace fg;

TEST_CASE("graph: a node used twice receives both contributions", "[graph]") {
  Var x = param(Tensor::from({1}, {3}));
  Var y = x * x + x;  // dy/dx = 2x + 1 = 7
  backward(y);
  REQUIRE(x.grad()[0] == Approx(7));
  // The same leaf feeding two branches of a longer graph.
  Var a = param(Tensor::from({2}, {1, 2}));
  Var b = a * 2.0;
  Var c = sum(b * b) + sum(b);  // d/da = 2 (2 b + 1) = 8 a + 2
  backward(c);
  REQUIRE(a.grad()[0] == Approx(10));
  REQUIRE(a.grad()[1] == Approx(18));
}

TEST_CASE("graph: gradients accumulate across backward calls until zero_grad", "[graph]") {
  Var w = param(Tensor::from({1}, {2}));
  backward(w * 3.0);
  backward(w * 3.0);
  REQUIRE(w.grad()[0] == Approx(6));
  zero_grad({w});
  REQUIRE(w.grad()[0] == 0);
}

TEST_CASE("graph: a chain 10,000 ops deep goes back and frees without recursion", "[graph]") {
  Var x = param(Tensor::from({1}, {1}));
  Var y = x;
  for (int i = 0; i < 10000; ++i) y = y * 1.0001;
  backward(y);
  REQUIRE(x.grad()[0] == Approx(std::pow(1.0001, 10000)).epsilon(1e-3));
  // A second deep graph dropped without any backward: the destructor is iterative.
  Var z = x;
  for (int i = 0; i < 10000; ++i) z = z + 1.0;
  y = Var();
  z = Var();
  REQUIRE(x.use_count() == 1);
}

TEST_CASE("graph: no-grad scope records nothing, constants cost nothing", "[graph]") {
  Var x = param(Tensor::from({2}, {1, 2}));
  {
    NoGrad off;
    Var y = exp(x) * 2.0;
    REQUIRE_FALSE(y.requires_grad());
    REQUIRE(y->inputs.empty());
    REQUIRE_FALSE(static_cast<bool>(y->backward));
  }
  REQUIRE(grad_enabled());
  Var c = constant(Tensor::from({2}, {1, 2}));
  Var d = exp(c) + c;
  REQUIRE_FALSE(d.requires_grad());
  REQUIRE(d->inputs.empty());
  Var e = exp(x);
  REQUIRE(e.requires_grad());
  REQUIRE(e->inputs.size() == 1);
}

TEST_CASE("graph: backward needs a scalar or a seed of the output's shape", "[graph]") {
  Var x = param(Tensor::from({2}, {1, 2}));
  Var y = x * 2.0;
  REQUIRE_THROWS_WITH(backward(y), Catch::Contains("[2]"));
  backward(y, Tensor::from({2}, {1, -1}));
  REQUIRE(x.grad()[0] == 2);
  REQUIRE(x.grad()[1] == -2);
}

TEST_CASE("graph: a training step's graph holds no cycle (freed with its last handle)", "[graph]") {
  Var w = param(Tensor::from({2, 2}, {1, 2, 3, 4}));
  Var loss = sum(exp(matmul(w, w)) * 0.01);
  Node* raw = loss.get();
  REQUIRE(raw->inputs.size() == 1);
  backward(loss);
  loss = Var();
  // Only the leaf survives: it is held by us alone.
  REQUIRE(w.use_count() == 1);
}

TEST_CASE("graph: accumulate takes a gradient it is given only when nothing else holds it",
          "[graph]") {
  Var x = param(Tensor::from({2}, {1, 1}));
  SECTION("no gradient yet, a tensor no one else holds: taken as it is") {
    Tensor g = Tensor::from({2}, {3, -4});
    const real* storage = g.data();
    accumulate(x, std::move(g));
    REQUIRE(x->grad.data() == storage);
    accumulate(x, Tensor::from({2}, {1, 1}));  // the next one adds
    CHECK(x.grad()[0] == 4);
    CHECK(x.grad()[1] == -3);
  }
  SECTION("a tensor another copy still holds: added into a gradient of x's own") {
    Tensor g = Tensor::from({2}, {3, -4});
    const Tensor kept = g;
    accumulate(x, std::move(g));
    REQUIRE(!x->grad.shares_storage_with(kept));
    accumulate(x, Tensor::from({2}, {1, 1}));
    CHECK(x.grad()[0] == 4);
    CHECK(kept[0] == 3);  // the caller's copy is left alone
  }
  SECTION("a gradient already there: added into it") {
    accumulate(x, Tensor::from({2}, {1, 2}));
    accumulate(x, Tensor::from({2}, {10, 20}));
    CHECK(x.grad()[0] == 11);
    CHECK(x.grad()[1] == 22);
  }
  SECTION("a wrong shape is refused either way") {
    CHECK_THROWS_WITH(accumulate(x, Tensor({3})), Catch::Contains("[2]") && Catch::Contains("[3]"));
  }
}
