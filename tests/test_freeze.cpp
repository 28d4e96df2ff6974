// Freezing parameters (Module::set_requires_grad) and the two-stage feature
// run built on it (TSE and TPE on a frozen, softmax-trained trunk).
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "core/data/digits.hpp"
#include "core/random.hpp"
#include "demos/features/run.hpp"
#include "layers/linear.hpp"
#include "layers/sequential.hpp"
#include "optim/sgd.hpp"

using namespace fg;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(real) * size_t(a.numel())) == 0;
}

// y = w2 (w1 x), two 1 x 1 layers without bias, named "0" and "1".
struct TwoScalars {
  Rng rng{1};
  Sequential net;
  TwoScalars(double w1, double w2) {
    net.emplace<Linear>("", 1, 1, rng, false);
    net.emplace<Linear>("", 1, 1, rng, false);
    net.parameters()[0].second->value.fill(real(w1));
    net.parameters()[1].second->value.fill(real(w2));
  }
  void loss_backward() {
    Tensor x({1, 1});
    x.fill(1);
    backward(net(constant(x)));
  }
  real w(int i) { return net.parameters()[size_t(i)].second.value()[0]; }
};

// The two-stage tests' small runs on synthetic digits.
FeatureRunOptions small_run() {
  FeatureRunOptions o;
  o.batch = 10, o.lr = 0.02, o.clip = 5;
  o.progress = o.verbose = false, o.eval_each_epoch = false;
  return o;
}

// One epoch of plain softmax: what stage 1 of a two-stage run must equal.
FeatureRunOptions plain_softmax(FeatureRunOptions o) {
  o.objective = "softmax", o.epochs = 1;
  return o;
}

}  // namespace

TEST_CASE("freeze: a frozen parameter gets no gradient and stays bit-unchanged through a step",
          "[freeze]") {
  TwoScalars m(2, 3);
  REQUIRE(m.net.parameters()[0].first == "0.weight");
  // SGD over every parameter, momentum 0.9, weight decay 0.5, lr 0.1.
  SGD opt(m.net.parameters(), 0.1, 0.9, 0.5);
  // Step 1, nothing frozen: g1 = w2 + 0.5 w1 = 4, g2 = w1 + 0.5 w2 = 3.5
  // (the momentum buffers start as these), w1 = 2 - 0.4, w2 = 3 - 0.35.
  opt.zero_grad();
  m.loss_backward();
  opt.step();
  CHECK(m.w(0) == Approx(1.6).epsilon(1e-6));
  CHECK(m.w(1) == Approx(2.65).epsilon(1e-6));

  CHECK(m.net.set_requires_grad(false, "0.") == 1);
  const Var w1 = m.net.parameters()[0].second;
  CHECK_FALSE(w1.requires_grad());
  CHECK(w1->grad.empty());  // dropped: the optimizer skips it from here on
  REQUIRE(m.net.trainable_parameters().size() == 1);
  CHECK(m.net.trainable_parameters()[0].first == "1.weight");
  const Tensor before = w1.value().clone();

  // Step 2, layer 0 frozen but still in the optimizer, with a momentum buffer
  // of 4 and weight decay: neither moves it. Layer 1: g2 = w1 + 0.5 w2 =
  // 1.6 + 1.325 = 2.925, buffer 0.9 * 3.5 + 2.925 = 6.075, w2 = 2.65 - 0.6075.
  opt.zero_grad();
  m.loss_backward();
  CHECK(w1->grad.empty());  // backward never reached it
  opt.step();
  CHECK(same_bits(w1.value(), before));
  CHECK(m.w(1) == Approx(2.0425).epsilon(1e-6));

  // Thawing: the gradient flows again (dL/dw1 = w2).
  CHECK(m.net.set_requires_grad(true) == 2);
  opt.zero_grad();
  m.loss_backward();
  REQUIRE_FALSE(w1->grad.empty());
  CHECK(w1->grad[0] == Approx(2.0425).epsilon(1e-6));
}

TEST_CASE("freeze: a prefix that names no parameter is an error listing the names", "[freeze]") {
  TwoScalars m(1, 1);
  CHECK_THROWS_WITH(m.net.set_requires_grad(false, "conv"),
                    Catch::Contains("starts with 'conv'") && Catch::Contains("0.weight, 1.weight"));
  CHECK(m.net.trainable_parameters().size() == 2);  // nothing changed
}

TEST_CASE("two-stage run: stage 1 is a plain softmax run, stage 2 moves only the head and T",
          "[freeze]") {
  const Dataset train = make_digits(40, 3), test = make_digits(20, 4);
  const FeatureRunOptions o = small_run();
  FeatureRun a(plain_softmax(o), train, &test);
  a.fit();

  FeatureRunOptions two = o;
  two.objective = "tse", two.epochs = 1;
  two.pretrain = "softmax", two.pretrain_epochs = 1;
  FeatureRun b(two, train, &test);
  REQUIRE(b.pretrainer() != nullptr);
  b.pretrainer()->fit();
  const auto pa = a.model().parameters(), pb = b.model().parameters();
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].first);
    CHECK(same_bits(pa[i].second.value(), pb[i].second.value()));
  }

  const auto after1 = b.model().state();
  const Tensor T1 = b.objective().parameters()[0].second.value().clone();
  b.fit();  // stage 1 is done: only stage 2 runs
  CHECK(b.pretrainer()->epoch() == 1);
  CHECK(b.trainer().epoch() == 1);
  const auto after2 = b.model().state();
  int moved = 0;
  for (size_t i = 0; i < pb.size(); ++i) {
    const std::string& name = after1[i].first;
    INFO(name);
    const bool head = name.rfind("fc.", 0) == 0 || name.rfind("prelu_fc.", 0) == 0;
    if (head)
      moved += !same_bits(after1[i].second, after2[i].second);
    else
      CHECK(same_bits(after1[i].second, after2[i].second));
  }
  CHECK(moved == 3);  // fc.weight, fc.bias, prelu_fc.alpha
  // The trunk wants no gradient (its backward is never built), the head does.
  const auto trainable = b.model().trainable_parameters();
  REQUIRE(trainable.size() == 3);
  CHECK(trainable[0].first == "fc.weight");
  CHECK(trainable[2].first == "prelu_fc.alpha");
  CHECK_FALSE(same_bits(T1, b.objective().parameters()[0].second.value()));
  CHECK(b.describe().rfind("softmax 1 epoch, then the head only; ", 0) == 0);
}

TEST_CASE("warm start (freeze off): stage 2 trains the whole network from stage 1's network and W",
          "[freeze]") {
  const Dataset train = make_digits(40, 3), test = make_digits(20, 4);
  const FeatureRunOptions o = small_run();
  FeatureRun a(plain_softmax(o), train, &test);
  a.fit();  // what stage 1 ends with: a plain softmax run, bit for bit

  FeatureRunOptions warm = o;
  warm.objective = "arcface:s=30,m=0.2", warm.epochs = 1;
  warm.pretrain = "softmax", warm.pretrain_epochs = 1, warm.freeze = false;
  FeatureRun b(warm, train, &test);
  const Tensor W0 = b.class_weights().clone();  // ArcFace's own W, as drawn
  REQUIRE_FALSE(same_bits(W0, a.class_weights()));
  Tensor W_at_first_step;
  b.trainer().on_step = [&](int64_t step) {
    if (step == 0) W_at_first_step = b.class_weights().clone();
  };
  b.fit_first_stage();
  CHECK(b.pretrainer()->epoch() == 1);
  CHECK(same_bits(b.class_weights(), a.class_weights()));  // handed over at the end of stage 1
  const auto after1 = b.model().state();
  b.fit();  // stage 1 and the hand-over are not done again
  CHECK(b.pretrainer()->epoch() == 1);
  // Stage 2's first step started from softmax's W, not from the drawn one.
  CHECK(same_bits(W_at_first_step, a.class_weights()));
  // Every parameter trained in stage 2, and every one still wants gradients.
  const auto after2 = b.model().state();
  for (size_t i = 0; i < after1.size(); ++i) {
    INFO(after1[i].first);
    CHECK_FALSE(same_bits(after1[i].second, after2[i].second));
  }
  CHECK(b.model().trainable_parameters().size() == after2.size());
  CHECK(b.describe().rfind("softmax 1 epoch, then the whole network; ", 0) == 0);
  // BatchNorm is refused only when the trunk is frozen.
  warm.batchnorm = true;
  CHECK_NOTHROW(FeatureRun(warm, train, &test));
}

TEST_CASE("two-stage run: options it cannot honour are errors naming them", "[freeze]") {
  const Dataset train = make_digits(20, 3);
  FeatureRunOptions o;
  o.progress = o.verbose = false;
  o.objective = "tse", o.pretrain = "softmax", o.pretrain_epochs = 0;
  CHECK_THROWS_WITH(FeatureRun(o, train, nullptr), Catch::Contains("at least 1 epoch"));
  o.pretrain_epochs = 1, o.batchnorm = true;
  CHECK_THROWS_WITH(FeatureRun(o, train, nullptr), Catch::Contains("BatchNorm"));
  o.batchnorm = false, o.head = {"fc.", "head."};
  CHECK_THROWS_WITH(FeatureRun(o, train, nullptr), Catch::Contains("starts with 'head.'"));
}
