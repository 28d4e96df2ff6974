// The break-it lab: --trace-nonfinite names the op that made the first NaN or
// Inf (on hand-made graphs and inside the trainer), and each scenario of
// build/breakit shows its failure and its fix moving in the predicted
// direction on a short run.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/data/digits.hpp"
#include "core/ops.hpp"
#include "demos/breakit/lab.hpp"
#include "demos/train/trace.hpp"
#include "demos/train/trainer.hpp"
#include "tests/cli_test_util.hpp"
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
  REQUIRE_THAT(r, Contains("notes/08-breakit.md, \"log(0), division by zero and overflow\""));
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
  REQUIRE_THAT(r, Contains("\"The angle's sine without clamping\""));
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

// ---- build/breakit ----------------------------------------------------------------

namespace {

std::string program_output(const std::string& cmd, int* status) {
  const auto [code, out] = fg_test::run_output(cmd);
  *status = code;
  return out;
}

// A small lab: 1200 digits, 6 epochs (about 110 steps a run).
LabSize small_lab() {
  LabSize s;
  s.images = 1200;
  s.epochs = 6;
  return s;
}

}  // namespace

TEST_CASE("breakit: --list names every scenario; an unknown one lists them", "[breakit]") {
  int status = 0;
  const std::string out = program_output("build/breakit --list", &status);
  REQUIRE(status == 0);
  REQUIRE(scenarios().size() == 9);
  for (const Scenario& s : scenarios()) REQUIRE_THAT(out, Contains(s.name + " "));
  for (const char* name : {"arcface-fallback", "sin-unclamped", "scale-64", "scale-small",
                           "sphereface-annealing", "softmax-bias", "triplet-no-positives",
                           "mining-hard", "center-rate"})
    REQUIRE(find_scenario(name).name == name);
  const std::string bad = program_output("build/breakit no-such-thing", &status);
  REQUIRE(status == 1);
  REQUIRE_THAT(bad, Contains("no scenario 'no-such-thing'") && Contains("arcface-fallback, "));
}

TEST_CASE("breakit: each scenario's broken and fixed variants move the predicted way",
          "[breakit][slow]") {
  const LabSize size = small_lab();
  auto run = [&](const char* name) { return find_scenario(name).run(size); };
  SECTION("arcface-fallback: without the branch, samples stay stranded beyond pi - m") {
    const Outcome o = run("arcface-fallback");
    REQUIRE(o.broken > 0.02);
    REQUIRE(o.fixed < o.broken / 4);
  }
  SECTION("sin-unclamped: in float the unclamped sqrt stops training, traced to sqrt") {
    const Outcome o = run("sin-unclamped");
    if (sizeof(real) == 4) {
      REQUIRE(o.broken < o.fixed);
      REQUIRE_THAT(o.text, Contains("op 'sqrt' sent back"));
    } else {  // in double no cosine of this run rounds to exactly +-1: both train through
      REQUIRE(o.broken == o.fixed);
    }
  }
  SECTION("scale-64: s = 64 on 2-D features learns far less than s = 8") {
    const Outcome o = run("scale-64");
    REQUIRE(o.broken < o.fixed - 0.2);
  }
  SECTION("scale-small: s = 1 cannot go below NormFace's floor of 1.377; s = 8 does") {
    const Outcome o = run("scale-small");
    REQUIRE(o.broken > 1.377);
    REQUIRE(o.fixed < 1.377);
  }
  SECTION("sphereface-annealing: lambda = 0 from the start blows the features up") {
    // Checked in float, as build/breakit runs it, at the program's own size. In
    // double the same seeds grow differently (at 1200 digits x 6 epochs the
    // annealed run reached |h| = 5.5e7 and the broken one 17.5): the blow-up
    // is a property of this float run, not a law, and notes/08 says so.
    if (sizeof(real) == 4) {
      const Outcome o = find_scenario("sphereface-annealing").run(LabSize{});
      REQUIRE(o.fixed < 1e3);
      REQUIRE(o.broken > 1e6 * o.fixed);
      REQUIRE_THAT(o.text, Contains("--trace-nonfinite on the broken run"));
    }
  }
  SECTION("softmax-bias: with a bias, halving h changes some classes; without, none") {
    const Outcome o = run("softmax-bias");
    REQUIRE(o.broken > 0);
    REQUIRE(o.fixed == 0);
  }
  SECTION("triplet-no-positives: shuffled batches of 6 often hold no triplet; P x K never") {
    const Outcome o = run("triplet-no-positives");
    // P(6 labels of 10 all different) = 10 9 8 7 6 5 / 10^6 = 0.1512
    REQUIRE(o.broken == Approx(0.1512).margin(0.05));
    REQUIRE(o.fixed == 0);
  }
  SECTION("mining-hard: hard mining from the start learns less than semi-hard") {
    const Outcome o = run("mining-hard");
    REQUIRE(o.broken < o.fixed - 0.1);
  }
  SECTION("center-rate: alpha_c = 1 moves the centres more per step than 0.05") {
    const Outcome o = run("center-rate");
    REQUIRE(o.broken > 5 * o.fixed);
  }
}
