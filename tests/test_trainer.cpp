// The training loop: exact resume (straight vs interrupted runs compared bit
// for bit), NaN and Inf stops with the last good checkpoint kept, refused
// resumes, accuracy with and without class weights, and the profiler hooks.
// Training runs use a small convolutional net on synthetic digits.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "core/data/checkpoint.hpp"
#include "core/data/digits.hpp"
#include "core/ops.hpp"
#include "core/profile.hpp"
#include "demos/train/trainer.hpp"
#include "tests/data_test_util.hpp"
#include "tests/trainer_test_util.hpp"

using namespace fg;
using namespace fg_test;
using Catch::Matchers::Contains;

namespace {

// 200 images in batches of 40: 5 steps per epoch, for the exactness tests.
const Dataset& digits_small() {
  static const Dataset d = make_digits(200, 11);
  return d;
}
// 600 images (12 steps of 50) for the tests that need some learning.
const Dataset& digits_train() {
  static const Dataset d = make_digits(600, 13);
  return d;
}
const Dataset& digits_test() {
  static const Dataset d = make_digits(120, 12);
  return d;
}

TrainConfig quiet_config(int epochs) {
  TrainConfig c;
  c.epochs = epochs;
  c.batch_size = 40;
  c.seed = 5;
  c.progress = false;
  c.verbose = false;
  c.lr = [](int64_t t) { return 0.05 / (1.0 + 0.01 * double(t)); };  // changes every step
  return c;
}

// Everything a run leaves behind, to compare runs bit for bit.
struct RunState {
  std::vector<NamedTensor> model, loss, optim;
  uint64_t rng_draw = 0;
  std::vector<double> train_loss;
};

RunState snapshot(TinyRun& r, const std::vector<EpochStats>& stats) {
  RunState s;
  s.model = r.model->state();
  for (auto& p : r.loss->parameters()) s.loss.emplace_back(p.first, p.second.value().clone());
  s.optim = r.opt->state();
  s.rng_draw = r.rng.next_u64();
  for (auto& e : stats) s.train_loss.push_back(e.train_loss);
  return s;
}

void require_bitwise_equal(const std::vector<NamedTensor>& a, const std::vector<NamedTensor>& b) {
  REQUIRE(a.size() == b.size());
  REQUIRE_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    REQUIRE(a[i].first == b[i].first);
    REQUIRE(a[i].second.shape() == b[i].second.shape());
    REQUIRE(std::memcmp(a[i].second.data(), b[i].second.data(),
                        sizeof(real) * a[i].second.numel()) == 0);
  }
}

bool any_difference(const std::vector<NamedTensor>& a, const std::vector<NamedTensor>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(a[i].second.data(), b[i].second.data(), sizeof(real) * a[i].second.numel()))
      return true;
  return false;
}

// The run every resumed run must equal: 2 epochs from seed 1, never stopped.
RunState straight_two_epochs() {
  TinyRun straight(1);
  Trainer t(*straight.model, *straight.loss, *straight.opt, digits_small(), &digits_test(), quiet_config(2),
            &straight.rng);
  return snapshot(straight, t.fit());
}

// The state after a resumed run, held to the straight run's bit for bit.
void require_same_run(const RunState& a, const RunState& b) {
  require_bitwise_equal(a.model, b.model);
  require_bitwise_equal(a.loss, b.loss);
  require_bitwise_equal(a.optim, b.optim);
  REQUIRE(a.rng_draw == b.rng_draw);
}

}  // namespace

TEST_CASE("trainer: 2 epochs straight equal 1 epoch + resume + 1 epoch, bit for bit",
          "[trainer][slow]") {
  TempDir dir;
  const std::string ck = dir.file("run.ckpt");

  const RunState a = straight_two_epochs();

  TinyRun first(1);
  TrainConfig c1 = quiet_config(1);
  c1.checkpoint_path = ck;
  Trainer t2(*first.model, *first.loss, *first.opt, digits_small(), &digits_test(), c1, &first.rng);
  t2.fit();
  const RunState after_one = snapshot(first, {});
  REQUIRE(any_difference(after_one.model, a.model));  // the second epoch does change things

  // A fresh process: different initial weights and generator, all overwritten by the checkpoint.
  TinyRun second(99);
  second.rng.seed(1234);
  Trainer t3(*second.model, *second.loss, *second.opt, digits_small(), &digits_test(),
             quiet_config(2), &second.rng);
  t3.resume(ck);
  REQUIRE(t3.epoch() == 1);
  REQUIRE(t3.step_in_epoch() == 0);
  const auto stats = t3.fit();
  REQUIRE(stats.size() == 1);
  const RunState b = snapshot(second, stats);

  require_same_run(a, b);
  REQUIRE(a.train_loss[1] == b.train_loss[0]);
  REQUIRE(second.opt->steps == 10);  // 2 epochs of 200 / 40 = 5 steps
}

TEST_CASE("trainer: a run stopped mid-epoch resumes from its step checkpoint, bit for bit",
          "[trainer][slow]") {
  TempDir dir;
  const std::string ck = dir.file("run.ckpt");

  const RunState a = straight_two_epochs();

  // Steps per epoch: 200 / 40 = 5. Checkpoints every 2 steps; stopped after
  // global step 8 (epoch 2, step 3): the last checkpoint is epoch 2, step 2.
  TinyRun killed(1);
  TrainConfig c = quiet_config(2);
  c.checkpoint_path = ck;
  c.checkpoint_every = 2;
  c.stop_at_step = 8;
  Trainer t2(*killed.model, *killed.loss, *killed.opt, digits_small(), &digits_test(), c,
             &killed.rng);
  t2.fit();
  REQUIRE(t2.global_step() == 8);
  const Checkpoint saved = load_checkpoint(ck);
  REQUIRE(saved.meta.at("epoch") == "1");
  REQUIRE(saved.meta.at("step") == "2");

  TinyRun resumed(7);
  TrainConfig c2 = quiet_config(2);
  c2.checkpoint_path = ck;
  c2.checkpoint_every = 2;
  Trainer t3(*resumed.model, *resumed.loss, *resumed.opt, digits_small(), &digits_test(), c2,
             &resumed.rng);
  t3.resume(ck);
  REQUIRE(t3.global_step() == 7);
  const auto stats = t3.fit();
  const RunState b = snapshot(resumed, stats);
  require_same_run(a, b);
  // The epoch that spans the interruption reports the same mean loss.
  REQUIRE(stats.size() == 1);
  REQUIRE(a.train_loss[1] == stats[0].train_loss);
}

TEST_CASE("trainer: it learns, and reports test accuracy, embeddings and W each epoch",
          "[trainer][slow]") {
  TinyRun r(3);
  TrainConfig c = quiet_config(4);
  c.lr = [](int64_t) { return 0.03; };
  c.train_embed_samples = 64;
  std::vector<int> seen_epochs;
  Trainer t(*r.model, *r.loss, *r.opt, digits_train(), &digits_test(), c, &r.rng);
  t.on_epoch = [&](const EpochStats& s) {
    seen_epochs.push_back(s.epoch);
    REQUIRE(s.test.h.shape() == Shape{120, 2});
    REQUIRE(s.test.labels == digits_test().labels);
    REQUIRE(s.train.h.shape() == Shape{64, 2});
    REQUIRE(s.W.shape() == Shape{10, 2});
    REQUIRE(s.test.has_accuracy);
    REQUIRE(s.test.has_loss);
    REQUIRE(std::isfinite(s.test.loss));
  };
  const auto stats = t.fit();
  REQUIRE(seen_epochs == std::vector<int>{1, 2, 3, 4});
  // Chance is 0.1 and the first epoch's loss about ln 10; after 60 small
  // steps a 2-D embedding separates several of the 10 digit classes (about
  // 0.45 on the test images with 1 or 2 threads).
  REQUIRE(stats[3].train_loss < 0.75 * stats[0].train_loss);
  REQUIRE(stats[3].test.accuracy > 0.3);
  REQUIRE(stats[3].train_accuracy > 0.3);
  // The accuracy is that of the predictions, which are those of argmax W h.
  const Embeddings& e = stats[3].test;
  int right = 0;
  for (int i = 0; i < 120; ++i) {
    int best = 0;
    double best_s = -1e30;
    for (int j = 0; j < 10; ++j) {
      const double s = e.h.at(i, 0) * stats[3].W.at(j, 0) + e.h.at(i, 1) * stats[3].W.at(j, 1);
      if (s > best_s) best_s = s, best = j;
    }
    REQUIRE(best == e.predicted[i]);
    right += best == e.labels[i];
  }
  REQUIRE(e.accuracy == Approx(right / 120.0));
}

TEST_CASE(
    "trainer: a NaN loss stops with epoch, step, value and batch, keeping the last checkpoint",
    "[trainer][slow]") {
  TempDir dir;
  const std::string ck = dir.file("run.ckpt");
  TinyRun r(1);
  r.loss->poison_at = 3;  // global step 3 = epoch 1, step 4
  r.loss->poison_loss = true;
  TrainConfig c = quiet_config(2);
  c.checkpoint_path = ck;
  c.checkpoint_every = 2;
  Trainer t(*r.model, *r.loss, *r.opt, digits_small(), nullptr, c, &r.rng);
  try {
    t.fit();
    FAIL("no error");
  } catch (const Error& e) {
    const std::string m = e.what();
    REQUIRE_THAT(m, Contains("epoch 1, step 4 of 5"));
    REQUIRE_THAT(m, Contains("the loss is nan"));
    REQUIRE_THAT(m, Contains("Batch samples"));
    REQUIRE_THAT(m, Contains("(40 in all)"));
    REQUIRE_THAT(m, Contains("lower learning rate"));
    REQUIRE_THAT(m, Contains(ck + " (epoch 1, step 2)"));
  }
  const Checkpoint saved = load_checkpoint(ck);
  REQUIRE(saved.meta.at("step") == "2");
  REQUIRE(t.global_step() == 3);
}

TEST_CASE("trainer: a finite loss with an infinite gradient also stops, naming the parameter",
          "[trainer][slow]") {
  TinyRun r(1);
  r.loss->poison_at = 3;
  r.loss->poison_loss = false;
  Trainer t(*r.model, *r.loss, *r.opt, digits_small(), nullptr, quiet_config(1), &r.rng);
  const std::vector<NamedTensor> before = r.model->state();
  REQUIRE_THROWS_WITH(t.fit(),
                      Contains("step 4 of 5") && Contains("but the gradient of model parameter"));
  // The failed step did not reach the optimizer.
  REQUIRE(t.global_step() == 3);
  for (auto& [name, v] : r.model->parameters()) {
    const real* d = v.value().data();
    for (int64_t i = 0; i < v.value().numel(); ++i) REQUIRE(std::isfinite(d[i]));
  }
}

TEST_CASE("trainer: resume refuses another seed, batch size or data, and foreign files",
          "[trainer][slow]") {
  TempDir dir;
  const std::string ck = dir.file("run.ckpt");
  {
    TinyRun r(1);
    TrainConfig c = quiet_config(1);
    c.checkpoint_path = ck;
    c.stop_at_step = 1;
    Trainer(*r.model, *r.loss, *r.opt, digits_small(), nullptr, c, &r.rng).fit();
  }
  TinyRun r(1);
  TrainConfig other_seed = quiet_config(1);
  other_seed.seed = 6;
  REQUIRE_THROWS_WITH(
      Trainer(*r.model, *r.loss, *r.opt, digits_small(), nullptr, other_seed).resume(ck),
      Contains("seed 5") && Contains("--seed 5"));
  TrainConfig other_batch = quiet_config(1);
  other_batch.batch_size = 50;
  REQUIRE_THROWS_WITH(
      Trainer(*r.model, *r.loss, *r.opt, digits_small(), nullptr, other_batch).resume(ck),
      Contains("batch_size 40"));
  REQUIRE_THROWS_WITH(
      Trainer(*r.model, *r.loss, *r.opt, digits_test(), nullptr, quiet_config(1)).resume(ck),
      Contains("train_size 200"));
  Checkpoint plain;
  plain.tensors.emplace_back("model/x", Tensor::zeros({1}));
  save_checkpoint(dir.file("plain.ckpt"), plain);
  REQUIRE_THROWS_WITH(Trainer(*r.model, *r.loss, *r.opt, digits_small(), nullptr, quiet_config(1))
                          .resume(dir.file("plain.ckpt")),
                      Contains("not a training checkpoint"));
  TinyRun wider(1, 3);  // a 3-D embedding: shapes differ
  REQUIRE_THROWS_WITH(
      Trainer(*wider.model, *wider.loss, *wider.opt, digits_small(), nullptr, quiet_config(1))
          .resume(ck),
      Contains(ck) && Contains("shape"));
}

TEST_CASE("trainer: P x K batches hold P classes of K samples each", "[trainer][slow]") {
  TinyRun r(1);
  TrainConfig c = quiet_config(1);
  c.pk_P = 5;
  c.pk_K = 4;
  c.stop_at_step = 3;
  Trainer t(*r.model, *r.loss, *r.opt, digits_small(), nullptr, c, &r.rng);
  REQUIRE(t.steps_per_epoch() == 10);  // about one pass over 200 images, 20 at a time
  t.fit();
  REQUIRE(t.global_step() == 3);
  const std::vector<int>& y = r.loss->last_y;
  REQUIRE(y.size() == 20);
  std::set<int> classes;
  for (int p = 0; p < 5; ++p) {
    for (int k = 1; k < 4; ++k) REQUIRE(y[p * 4 + k] == y[p * 4]);
    classes.insert(y[p * 4]);
  }
  REQUIRE(classes.size() == 5);
}

TEST_CASE("trainer: an unwritable checkpoint path fails before training, naming it", "[trainer]") {
  TinyRun r(1);
  TrainConfig c = quiet_config(1);
  c.checkpoint_path = "/nonexistent-dir/run.ckpt";
  Trainer t(*r.model, *r.loss, *r.opt, digits_test(), nullptr, c);
  REQUIRE_THROWS_WITH(t.fit(), Contains("/nonexistent-dir/run.ckpt"));
  REQUIRE(t.global_step() == 0);
}

TEST_CASE("trainer: without class weights, accuracy goes by the nearest class mean",
          "[trainer][slow]") {
  TinyRun r(2);
  r.loss->hide_W = true;
  TrainConfig c = quiet_config(1);
  c.lr = [](int64_t) { return 0.0; };  // the model stays as initialised, so the means are known
  Trainer t(*r.model, *r.loss, *r.opt, digits_small(), &digits_test(), c, &r.rng);
  const auto stats = t.fit();
  REQUIRE(stats[0].train_accuracy == -1);
  REQUIRE(stats[0].test.has_accuracy);
  // The class means of the training embeddings, recomputed here.
  const Embeddings tr = t.evaluate(digits_small());
  std::vector<std::array<double, 2>> mean(10, {0, 0});
  std::vector<int> count(10, 0);
  for (int i = 0; i < tr.h.size(0); ++i) {
    mean[tr.labels[i]][0] += tr.h.at(i, 0);
    mean[tr.labels[i]][1] += tr.h.at(i, 1);
    count[tr.labels[i]] += 1;
  }
  for (int j = 0; j < 10; ++j) mean[j][0] /= count[j], mean[j][1] /= count[j];
  const Embeddings& e = stats[0].test;
  REQUIRE(e.predicted.size() == 120);
  int right = 0;
  for (int i = 0; i < 120; ++i) {
    auto d2 = [&](int j) {
      const double a = e.h.at(i, 0) - mean[j][0], b = e.h.at(i, 1) - mean[j][1];
      return a * a + b * b;
    };
    double best = 1e300;
    for (int j = 0; j < 10; ++j) best = std::min(best, d2(j));
    // The predicted mean is the nearest one (up to float rounding of the sums).
    REQUIRE(d2(e.predicted[i]) <= best * (1 + 1e-4) + 1e-9);
    right += e.predicted[i] == e.labels[i];
  }
  REQUIRE(e.accuracy == Approx(right / 120.0));
}

TEST_CASE("profile: backward closures are timed per layer, once, and only when enabled",
          "[trainer][profile]") {
  profile::reset();
  Var w = param(Tensor::from({2}, {1, 2}));
  Var x = constant(Tensor::from({2}, {3, 4}));
  Var mid = mul(w, x);
  Var out = sum(exp(mid));
  REQUIRE(profile::time_backward(out, mid, "top") == 0);  // disabled: nothing wrapped
  profile::set_enabled(true);
  REQUIRE(profile::time_backward(out, mid, "top") == 2);  // sum and exp, not mid
  REQUIRE(profile::time_backward(mid, Var(), "bottom") == 1);
  REQUIRE(profile::time_backward(out, Var(), "again") == 0);  // all wrapped already
  { profile::Scope s("forward"); }
  backward(out);
  profile::set_enabled(false);
  REQUIRE(w.grad()[0] == Approx(3 * std::exp(3.0)));
  const auto es = profile::entries();
  REQUIRE(es.size() == 3);
  REQUIRE(es[0].name == "forward");
  REQUIRE(es[1].name == "top");
  REQUIRE(es[1].calls == 2);
  REQUIRE(es[2].name == "bottom");
  REQUIRE(es[2].calls == 1);
  profile::reset();
  REQUIRE(profile::entries().empty());
}
