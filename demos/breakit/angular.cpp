// The lab's angular scenarios: ArcFace without its theta + m > pi fallback,
// ArcFace's sin theta computed without clamping, the scale s (too large for
// 2-D features, too small for K classes) and SphereFace without annealing.
#include <cmath>
#include <memory>

#include "core/ops.hpp"
#include "demos/bounds/checks.hpp"
#include "demos/breakit/lab.hpp"
#include "losses/loss_base.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

constexpr double kPi = 3.14159265358979323846;

LossContext lab_context(const LabSize& size) {
  LossContext ctx;
  ctx.num_classes = 10;
  ctx.dim = 2;
  ctx.seed = derive_seed(size.seed, 0x1055);
  return ctx;
}

std::unique_ptr<Loss> registry_loss(const std::string& name, const LossParams& p,
                                    const LabSize& size) {
  return make_loss(name, p, lab_context(size));
}

// ArcFace's target logit written the way it is often first written, composed
// from primitive ops around the real cosine_matrix and softmax_cross_entropy:
//   Acos:  psi = cos(acos(c) + m) everywhere (no branch for theta + m > pi)
//   Sqrt:  psi = c cos m - sqrt(1 - c^2) sin m (no clamp of c, no branch)
// The logits are s cos theta_j, with the target entry replaced by s psi. W is
// initialised as the registry's arcface initialises it (same seed, same W).
class ComposedArcFace : public LossBase {
 public:
  enum class Form { Acos, Sqrt };
  ComposedArcFace(const LossContext& ctx, double s, double m, Form form)
      : K_(ctx.num_classes), s_(real(s)), m_(real(m)), form_(form) {
    add_parameter("W", init_class_weights(ctx.num_classes, ctx.dim, ctx.seed), true);
  }
  std::string name() const override { return "composed-arcface"; }
  std::string describe() const override {
    return std::string(form_ == Form::Acos ? "cos(acos c + m), no fallback"
                                           : "c cos m - sqrt(1 - c^2) sin m, unclamped") +
           " s=" + general(s_) + " m=" + general(m_);
  }
  Tensor class_weights() const override { return param("W").value(); }
  Var forward(const LossInput& in) override {
    Var c = cosine_matrix(in.h, param("W"));
    Var c_y = gather(c, in.y);
    Var psi = form_ == Form::Acos
                  ? cos(acos(c_y) + m_)
                  : c_y * real(std::cos(m_)) - sqrt(real(1) - c_y * c_y) * real(std::sin(m_));
    Var logits = (c + scatter(psi - c_y, in.y, K_)) * s_;
    return softmax_cross_entropy(logits, in.y);
  }

 private:
  int K_;
  real s_, m_;
  Form form_;
};

Outcome arcface_fallback(const LabSize& size) {
  const double s = 8, m = 0.5;
  LabSetup broken{"broken: no fallback",
                  std::make_unique<ComposedArcFace>(lab_context(size), s, m,
                                                    ComposedArcFace::Form::Acos),
                  Scoring::Cosine};
  LabSetup fixed{"fixed: arcface", registry_loss("arcface", {{"s", general(s)}, {"m", general(m)}}, size),
                 Scoring::Cosine};
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "fraction of test samples with theta_y > pi - m";
  o.broken = fraction_beyond(b.test_h, b.W, b.test_labels, kPi - m);
  o.fixed = fraction_beyond(f.test_h, f.W, f.test_labels, kPi - m);
  o.text = two_runs(b, f) + "  " + o.measure + " (beyond pi - m = " +
           fixed3(kPi - m) + "): broken " + fixed3(o.broken) + ", fixed " + fixed3(o.fixed) + "\n";
  return o;
}

Outcome sin_unclamped(const LabSize& size) {
  const double s = 8, m = 0.5;
  LabSetup broken{"broken: sqrt(1 - c^2) unclamped",
                  std::make_unique<ComposedArcFace>(lab_context(size), s, m,
                                                    ComposedArcFace::Form::Sqrt),
                  Scoring::Cosine};
  broken.trace = true;
  LabSetup fixed{"fixed: arcface", registry_loss("arcface", {{"s", "8"}, {"m", "0.5"}}, size),
                 Scoring::Cosine};
  fixed.trace = true;
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "steps trained before a non-finite value or gradient stopped the run";
  o.broken = double(b.steps);
  o.fixed = double(f.steps);
  o.text = two_runs(b, f);
  if (!b.stopped.empty()) o.text += "  --trace-nonfinite on the broken run: " + b.stopped + "\n";
  if (!f.stopped.empty()) o.text += "  --trace-nonfinite on the fixed run: " + f.stopped + "\n";
  o.text += o.measured(general);
  return o;
}

Outcome scale_64(const LabSize& size) {
  LabSetup broken{"broken: s = 64", registry_loss("normface", {{"s", "64"}, {"learn_s", "0"}}, size),
                  Scoring::Cosine};
  LabSetup fixed{"fixed: s = 8", registry_loss("normface", {{"s", "8"}, {"learn_s", "0"}}, size), Scoring::Cosine};
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "test accuracy";
  o.broken = b.test_accuracy;
  o.fixed = f.test_accuracy;
  o.text = two_runs(b, f) + o.measured(fixed3);
  return o;
}

Outcome scale_small(const LabSize& size) {
  const int K = 10;
  LabSetup broken{"broken: s = 1", registry_loss("normface", {{"s", "1"}, {"learn_s", "0"}}, size), Scoring::Cosine};
  LabSetup fixed{"fixed: s = 8", registry_loss("normface", {{"s", "8"}, {"learn_s", "0"}}, size), Scoring::Cosine};
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "last-epoch training loss";
  o.broken = b.train_loss;
  o.fixed = f.train_loss;
  o.text = two_runs(b, f) + "  NormFace's floor log(1 + (K-1) e^{-K s/(K-1)}), K = 10: s = 1: " +
           fixed3(normface_bound(K, 1)) + ", s = 8: " + fixed3(normface_bound(K, 8)) +
           "\n  least s for a target probability 0.9 ((K-1)/K log((K-1) 0.9/0.1)): " +
           fixed3(cosface_s_exact(K, 0.9)) + "\n" + o.measured(fixed3);
  return o;
}

Outcome sphereface(const LabSize& size) {
  LabSetup broken{"broken: lambda = 0 from the start",
                  registry_loss("asoftmax", {{"lambda", "0"}}, size), Scoring::Cosine};
  broken.trace = true;
  LabSetup fixed{"fixed: lambda annealed from 1000 to 5", registry_loss("asoftmax", {}, size),
                 Scoring::Cosine};
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "largest feature norm |h| of a training batch";
  o.broken = b.max_feature_norm;
  o.fixed = f.max_feature_norm;
  o.text = two_runs(b, f);
  if (!b.stopped.empty()) o.text += "  --trace-nonfinite on the broken run: " + b.stopped + "\n";
  o.text += o.measured(general);
  return o;
}

}  // namespace

std::vector<Scenario> angular_scenarios() {
  return {
      {"arcface-fallback", "ArcFace's cos(theta + m) without the branch for theta + m > pi",
       arcface_fallback},
      {"sin-unclamped", "ArcFace's sin theta as sqrt(1 - c^2) with c unclamped, traced",
       sin_unclamped},
      {"scale-64", "NormFace with s = 64 on 2-D features", scale_64},
      {"scale-small", "NormFace with s too small for K = 10 classes", scale_small},
      {"sphereface-annealing", "A-Softmax (m = 4) with lambda = 0 from the first step",
       sphereface},
  };
}

}  // namespace fg
