// AM-Softmax, additive margin softmax (lecture, "AM-Softmax"; F. Wang et al. 2018).
//
//   L_AM-SM(x_i) = -log( e^{s psi(theta_{y_i})} / (e^{s psi(theta_{y_i})} + sum_{j != y_i} e^{s cos theta_j}) )
//
//   psi(theta) = cos theta - m
//
// W and h normalised as in NormFace (s = l^2 = |W'_i| |h'(x)|), the margin
// added outside the cosine; the loss is the mean over the batch. The lecture's
// values: s = 30, m = 0.4, no relaxation schedule (no lambda).
//
// As a function of c = cos theta:
//   psi(c) = c - m,   dpsi/dc = 1
// so the target logit is the NormFace logit shifted down by s m, and its
// derivative is the same as NormFace's: finite everywhere, no clamping needed.
//
// notes: notes/05-angular-family.md#53-am-softmax-and-cosface
#include "losses/amsoftmax.hpp"

#include <memory>

#include "losses/cosine_loss.hpp"
#include "losses/reader_spec.hpp"

namespace fg {

TargetLogit cosine_margin_target(double m) {
  return {[m](double c) { return c - m; }, [](double) { return 1.0; }};
}

// The loss object of AM-Softmax and of CosFace (same formula, other defaults).
class CosineMarginLoss : public CosineLoss {
 public:
  CosineMarginLoss(std::string name, const LossContext& ctx, const ParamReader& r)
      : CosineLoss(std::move(name), ctx, r), m_(r.real_value("m")) {}

 protected:
  TargetLogit target(double ramp) const override { return cosine_margin_target(ramp * m_); }
  std::string margins() const override { return " m=" + num_str(m_); }

 private:
  double m_;
};

std::vector<ParamSpec> cosine_margin_params(const std::string& s, const std::string& m) {
  std::vector<ParamSpec> p = cosine_loss_params(s, false, true);
  p.insert(p.begin() + 1, {"m", m, Range::closed(0, 2), "additive cosine margin m in cos theta - m"});
  return p;
}

LossSpec cosine_margin_spec(const std::string& name, const std::string& summary,
                            const std::string& s, const std::string& m) {
  return reader_spec<CosineMarginLoss>(name, summary, cosine_margin_params(s, m));
}

LossSpec amsoftmax_spec() {
  return cosine_margin_spec("amsoftmax",
                            "AM-Softmax: target logit s (cos theta_y - m), W and h normalised",
                            "30", "0.4");
}

}  // namespace fg
