// --trace-nonfinite names the op that made the first NaN or Inf, on
// hand-made graphs and inside the trainer.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "core/data/digits.hpp"
#include "core/ops.hpp"
#include "demos/train/trace.hpp"
#include "demos/train/trainer.hpp"
#include "tests/trainer_test_util.hpp"

using namespace fg;
using namespace fg_test;
using Catch::Matchers::Contains;

namespace {

Var leaf(std::vector<real> v) {
  Tensor t({int(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t[int64_t(i)] = v[i];
  return param(t);
}

TrainConfig traced_config(bool trace) {
  TrainConfig c;
  c.epochs = 1;
  c.batch_size = 40;
  c.seed = 5;
  c.progress = false;
  c.verbose = false;
  c.trace_nonfinite = trace;
  return c;
}

const Dataset& digits_200() {
  static const Dataset d = make_digits(200, 11);
  return d;
}

}  // namespace

TEST_CASE("trace: log(0) is traced to the log node, with its input's range", "[trace][breakit]") {
  Var x = leaf({1, 0, 2});
  Var L = sum(log(x) * real(2));
  const std::string r = trace_nonfinite_values(L);
  REQUIRE_THAT(r, Contains("the value of op 'log' (node 2 of 4 in evaluation order)"));
  REQUIRE_THAT(r, Contains("min 0 max 0.693147 (0 NaN, 1 Inf of 3)"));
  REQUIRE_THAT(r, Contains("its inputs: #0 'param' [3] min 0 max 2;"));
  REQUIRE_THAT(r, Contains("notes/08-breakit.md, \"log(0) and division by zero\""));
}

TEST_CASE("trace: sqrt of a negative is traced to the sqrt node, not to what follows",
          "[trace][breakit]") {
  Var x = leaf({1, 0.5, -2});
  Var s = sqrt(neg(x));        // NaN, NaN, sqrt 2
  Var L = sum(exp(s) + s);     // every later node is NaN too
  const std::string r = trace_nonfinite_values(L);
  REQUIRE_THAT(r, Contains("the value of op 'sqrt'"));
  REQUIRE_THAT(r, Contains("min 1.41421 max 1.41421 (2 NaN, 0 Inf of 3)"));
  REQUIRE_THAT(r, Contains("#0 'neg' [3] min -1 max 2;"));
  REQUIRE_THAT(r, Contains("\"the angle's sine without clamping\""));
  // A finite graph reports nothing.
  REQUIRE(trace_nonfinite_values(sum(sqrt(x * x))).empty());
}

TEST_CASE("trace: a finite value with an infinite slope is traced in backward to its op",
          "[trace][breakit]") {
  Var x = leaf({0, 4});
  Var L = sum(sqrt(x) * real(3));  // values 0 and 2: finite; d sqrt/dx at 0 is 1/0
  REQUIRE(trace_nonfinite_values(L).empty());
  const std::string r = backward_traced(L);
  REQUIRE_THAT(r, Contains("the gradient that op 'sqrt' sent back to its input #0 is not finite"));
  REQUIRE_THAT(r, Contains("min 0.75 max 0.75 (0 NaN, 1 Inf of 2)"));
  REQUIRE_THAT(r, Contains("the gradient arriving at the op: min 3 max 3"));
  REQUIRE_THAT(r, Contains("#0 'param' [2] min 0 max 4;"));
  // Without a non-finite gradient the traced backward equals the plain one.
  Var y = leaf({1, 4});
  REQUIRE(backward_traced(sum(sqrt(y))).empty());
  REQUIRE(y.grad()[0] == Approx(0.5));
  REQUIRE(y.grad()[1] == Approx(0.25));
}

TEST_CASE("trace: in the trainer it names the op, the step and the batch; off, nothing is walked",
          "[trace][breakit][trainer]") {
  SECTION("a NaN value: the op that made it") {
    TinyRun r(1);
    r.loss->poison_at = 3;
    r.loss->poison_loss = true;  // the loss times NaN
    Trainer t(*r.model, *r.loss, *r.opt, digits_200(), nullptr, traced_config(true), &r.rng);
    REQUIRE_THROWS_WITH(t.fit(), Contains("epoch 1, step 4 of 5") &&
                                     Contains("the value of op 'mul_scalar'") &&
                                     Contains("Batch samples") && Contains("(40 in all)"));
  }
  SECTION("an infinite gradient: the op whose backward made it") {
    TinyRun r(1);
    r.loss->poison_at = 3;
    r.loss->poison_loss = false;  // + sqrt(sum(0 h)): value 0, slope 1/0
    Trainer t(*r.model, *r.loss, *r.opt, digits_200(), nullptr, traced_config(true), &r.rng);
    REQUIRE_THROWS_WITH(t.fit(), Contains("step 4 of 5") &&
                                     Contains("the gradient that op 'sqrt' sent back") &&
                                     Contains("sine without clamping"));
    REQUIRE(t.global_step() == 3);
  }
  SECTION("off: the plain message, and no walk") {
    TinyRun r(1);
    r.loss->poison_at = 3;
    r.loss->poison_loss = false;
    const int64_t walks = trace_walks();
    Trainer t(*r.model, *r.loss, *r.opt, digits_200(), nullptr, traced_config(false), &r.rng);
    REQUIRE_THROWS_WITH(t.fit(), Contains("but the gradient of model parameter"));
    REQUIRE(trace_walks() == walks);
  }
  SECTION("on, a healthy run walks twice a step and trains as without it") {
    TinyRun a(2), b(2);
    const int64_t walks = trace_walks();
    Trainer ta(*a.model, *a.loss, *a.opt, digits_200(), nullptr, traced_config(true), &a.rng);
    Trainer tb(*b.model, *b.loss, *b.opt, digits_200(), nullptr, traced_config(false), &b.rng);
    ta.fit();
    tb.fit();
    REQUIRE(trace_walks() == walks + 2 * 5);
    const Tensor& wa = a.loss->W.value();
    const Tensor& wb = b.loss->W.value();
    for (int64_t i = 0; i < wa.numel(); ++i) REQUIRE(wa[i] == wb[i]);
  }
}

