// How a loss classifies (Loss::scoring()): each loss declares it, and the
// demos ask the loss. A loss known only to this file, derived from the
// cosine base, is scored by angle in feature2d's and faceid's code paths.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>

#include "core/data/digits.hpp"
#include "demos/faceid/run.hpp"
#include "demos/features/run.hpp"
#include "losses/cosine_loss.hpp"
#include "losses/objective.hpp"
#include "losses/registry.hpp"

using namespace fg;

namespace {

// A cosine-margin loss that is in no table: psi(c) = c - 0.2.
class ProbeLoss : public CosineLoss {
 public:
  ProbeLoss(const LossContext& ctx, const ParamReader& r) : CosineLoss("scoring_probe", ctx, r) {}

 protected:
  TargetLogit target(double ramp) const override {
    const double m = 0.2 * ramp;
    return {[m](double c) { return c - m; }, [](double) { return 1.0; }};
  }
};

LossSpec probe_spec() {
  const std::vector<ParamSpec> params = cosine_loss_params("10", false, true);
  return {"scoring_probe", "a test's own cosine-margin loss", params,
          [params](const LossParams& p, const LossContext& ctx) {
            return std::unique_ptr<Loss>(new ProbeLoss(ctx, ParamReader("scoring_probe", p, params)));
          }};
}

// Registers the probe for the life of one test.
struct ProbeRegistered {
  ProbeRegistered() { register_loss(probe_spec()); }
  ~ProbeRegistered() { unregister_loss("scoring_probe"); }
};

const char* str(Scoring s) { return s == Scoring::Cosine ? "cosine" : "dot"; }

// W whose rows make dot product and angle disagree on h = (1, 1.2):
// W_0 . h = 10 > W_1 . h = 0.22, but h is at 5 degrees from W_1 and 50 from W_0.
Tensor disagreeing_W() {
  Tensor W({2, 2});
  W.at(0, 0) = 10, W.at(0, 1) = 0;
  W.at(1, 0) = real(0.1), W.at(1, 1) = real(0.1);
  return W;
}

}  // namespace

TEST_CASE("scoring: every registered loss declares how it classifies, as the lecture says",
          "[scoring]") {
  // By hand from the lecture: the losses that normalise W (and h) classify by
  // angle: NormFace, CoCo, A-Softmax (unit W, |h| scales a whole row), the
  // additive margins (AM-Softmax, CosFace, ArcFace, combined) and the linear
  // angular margin of notes/adding-a-loss.md; triplet by default and
  // contrastive with normalize=1 compare unit vectors. The rest compare raw
  // embeddings.
  const std::map<std::string, Scoring> expected = {
      {"softmax", Scoring::Dot},       {"l2softmax", Scoring::Dot},
      {"normface", Scoring::Cosine},   {"coco", Scoring::Cosine},
      {"lsoftmax", Scoring::Dot},      {"asoftmax", Scoring::Cosine},
      {"amsoftmax", Scoring::Cosine},  {"cosface", Scoring::Cosine},
      {"arcface", Scoring::Cosine},    {"combined", Scoring::Cosine},
      {"contrastive", Scoring::Dot},   {"marginal", Scoring::Dot},
      {"triplet", Scoring::Cosine},    {"tse", Scoring::Dot},
      {"tpe", Scoring::Dot},           {"center", Scoring::Dot},
      {"center_invariant", Scoring::Dot}, {"range", Scoring::Dot},
      {"linear_angle", Scoring::Cosine},
  };
  const LossContext ctx{4, 3, 1};
  for (const auto& [name, want] : expected) {
    INFO(name);
    CHECK(str(make_loss(name, {}, ctx)->scoring()) == std::string(str(want)));
  }
  CHECK(make_loss("triplet", {{"normalize", "0"}}, ctx)->scoring() == Scoring::Dot);
  CHECK(make_loss("contrastive", {{"normalize", "1"}}, ctx)->scoring() == Scoring::Cosine);
  // A loss added later (no line in the table above): a cosine-margin loss says cosine.
  for (const std::string& name : loss_names()) {
    if (expected.count(name)) continue;
    INFO(name << " (not in this test's table)");
    auto loss = make_loss(name, {}, ctx);
    if (dynamic_cast<CosineLoss*>(loss.get())) CHECK(loss->scoring() == Scoring::Cosine);
  }
  // A sum asks the term that classifies (the first with W), else its first term.
  CHECK(make_objective("softmax+0.01*center", ctx)->scoring() == Scoring::Dot);
  CHECK(make_objective("center+arcface", ctx)->scoring() == Scoring::Cosine);
  CHECK(make_objective("triplet+softmax", ctx)->scoring() == Scoring::Dot);
  CHECK(make_objective("triplet:normalize=0+center", ctx)->scoring() == Scoring::Dot);
  CHECK(make_objective("triplet+center", ctx)->scoring() == Scoring::Cosine);
}

TEST_CASE("scoring: a loss registered only here is scored by angle in feature2d and faceid",
          "[scoring]") {
  ProbeRegistered probe;
  const LossContext ctx{2, 2, 1};
  REQUIRE(make_loss("scoring_probe", {}, ctx)->scoring() == Scoring::Cosine);

  // feature2d's path: FeatureRun hands the objective's scoring to the trainer.
  const Dataset train = make_digits(20, 3), test = make_digits(10, 4);
  FeatureRunOptions o;
  o.epochs = 1;
  o.progress = o.verbose = false;
  Tensor h({1, 2});
  h.at(0, 0) = 1, h.at(0, 1) = real(1.2);
  for (const char* objective : {"scoring_probe", "softmax", "scoring_probe+0.01*center"}) {
    INFO(objective);
    o.objective = objective;
    FeatureRun run(o, train, &test);
    const bool cosine = std::string(objective) != "softmax";
    CHECK(run.scoring() == (cosine ? Scoring::Cosine : Scoring::Dot));
    // The trainer's accuracy follows: with W set so that dot and angle disagree.
    Tensor W = Tensor::zeros({train.num_classes(), 2});
    const Tensor w2 = disagreeing_W();
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) W.at(j, k) = w2.at(j, k);
    for (int j = 2; j < W.size(0); ++j) W.at(j, 0) = W.at(j, 1) = real(-1);  // far from h either way
    const std::string key = std::string(objective).find('+') == std::string::npos
                                ? "W"
                                : std::string(objective).substr(0, std::string(objective).find('+')) + ".W";
    run.objective().set_parameter(key, constant(W));
    CHECK(run.trainer().predict(h) == std::vector<int>{cosine ? 1 : 0});
  }

  // faceid's path: the same declaration decides its classifier and accuracy.
  CHECK(faceid_scoring(*make_objective("scoring_probe", ctx)) == Scoring::Cosine);
  CHECK(faceid_scoring(*make_objective("center+scoring_probe", ctx)) == Scoring::Cosine);
  CHECK(faceid_scoring(*make_objective("softmax", ctx)) == Scoring::Dot);
  CHECK(faceid_scoring(*make_objective("center", ctx)) == Scoring::Cosine);  // no W: by angle
}

TEST_CASE("scoring: registering at run time refuses a taken name and unknown removals",
          "[scoring]") {
  ProbeRegistered probe;
  CHECK_THROWS_WITH(register_loss(probe_spec()), "register_loss: 'scoring_probe' is already registered");
  CHECK_THROWS_WITH(unregister_loss("arcface"), "unregister_loss: 'arcface' was not added by register_loss");
  CHECK_THROWS_WITH(unregister_loss("nope"), "unregister_loss: 'nope' was not added by register_loss");
}

TEST_CASE("scoring: a loss gives the target logit in force now, or none", "[scoring]") {
  const LossContext ctx{10, 2, 1};
  const double kPi = 3.141592653589793;
  // ArcFace, m = 0.5, after its warm-up: cos(theta + m) below pi - m, by hand.
  auto arc = make_loss("arcface", {{"m", "0.5"}, {"warmup", "10"}}, ctx);
  arc->set_iteration(10);
  const auto psi = arc->target_logit();
  REQUIRE(psi);
  for (double theta : {0.0, 0.3, 1.0, 2.5})
    CHECK(psi(std::cos(theta)) == Approx(std::cos(theta + 0.5)).margin(1e-12));
  // Halfway through the warm-up the margin is 0.25.
  arc->set_iteration(5);
  CHECK(arc->target_logit()(std::cos(1.0)) == Approx(std::cos(1.25)).margin(1e-12));
  // L-Softmax with lambda fixed at 0 and m = 2: cos(2 theta) on [0, pi/2].
  auto ls = make_loss("lsoftmax", {{"m", "2"}, {"lambda", "0"}}, ctx);
  REQUIRE(ls->target_logit());
  CHECK(ls->target_logit()(std::cos(kPi / 6)) == Approx(std::cos(kPi / 3)).margin(1e-12));
  // Losses without a target logit say so.
  for (const char* name : {"softmax", "center", "triplet", "contrastive"})
    CHECK_FALSE(make_loss(name, {}, ctx)->target_logit());
}
