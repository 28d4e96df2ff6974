// Combined margin (lecture, "Arcface: details": "let's combine all margins!").
//
//   L(x_i) = -log( e^{s psi(theta_{y_i})} / (e^{s psi(theta_{y_i})} + sum_{j != y_i} e^{s cos theta_j}) )
//
//   psi(theta) = cos(m1 theta + m2) - m3          while m1 theta + m2 <= pi
//
// with W and h normalised as in NormFace. It holds the others as special
// cases: (m1, m2, m3) = (1, 0, 0) is NormFace, (1, m, 0) ArcFace, (1, 0, m)
// AM-Softmax / CosFace, (m, 0, 0) the multiplicative margin of A-Softmax
// without its piecewise extension. Defaults: s = 64, (m1, m2, m3) = (1, 0.3, 0.2).
//
// Beyond theta* = (pi - m2) / m1, where cos(m1 theta + m2) would start to
// rise, the lecture gives no formula. This file uses
//
//   psi(theta) = cos theta - cos theta* - cos m2 - m2 sin m2 - m3      (theta > theta*)
//
// chosen so that (a) for m1 = 1, where cos theta* = -cos m2, it is exactly
// ArcFace's fallback cos theta - m2 sin m2 (minus m3), so combined (1, m, 0)
// equals arcface at every angle; (b) it is non-increasing: cos theta falls
// on [0, pi], and at theta* it starts below the first branch's end value
// -1 - m3, by g(m2) = cos m2 + m2 sin m2 - 1 >= 0 (g(0) = 0 and
// g'(m2) = m2 cos m2 >= 0 on the allowed range 0 <= m2 <= pi/2). That
// argument uses only m2, so it holds for m1 < 1 too (the ArcFace paper's
// m1 = 0.9): there theta* lies beyond pi unless m2 > pi (1 - m1), and the
// first branch alone covers [0, pi]. m1 stops at 0.5, where cos(m1 theta)
// still falls from 1 to 0 over [0, pi]; nearer 0 the target would hardly
// depend on the angle.
// With m1 = 1 and m2 = 0 (NormFace, CosFace) there is no second branch.
//
// Derivative, as a function of c = cos theta, theta = arccos c, dtheta/dc = -1/sin theta:
//   d/dc [cos(m1 theta + m2) - m3] = m1 sin(m1 theta + m2) / sin theta
//   d/dc [fallback]                = 1
// sin theta = sqrt(1 - c^2) -> 0 at theta = 0 and pi: the division uses
// sin_theta_of, c clamped inside (-1, 1) by kCosEps, which keeps the slope
// finite there (for m2 = 0 the ratio tends to m1^2 anyway; for m2 > 0 the
// slope really grows like m1 sin m2 / theta, as ArcFace's does).
//
// notes: notes/05-angular-family.md#55-combined-margin
#include "losses/combined.hpp"

#include <cmath>
#include <memory>

#include "losses/cosine_loss.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

TargetLogit combined_target(double m1, double m2, double m3) {
  const double pi = 3.141592653589793;
  const double theta_star = (pi - m2) / m1;  // where m1 theta + m2 reaches pi
  const double shift = std::cos(theta_star) + std::cos(m2) + m2 * std::sin(m2) + m3;
  auto psi = [=](double c) {
    const double theta = theta_of(c);
    if (theta > theta_star) return c - shift;
    return std::cos(m1 * theta + m2) - m3;
  };
  auto dpsi = [=](double c) {
    const double theta = theta_of(c);
    if (theta > theta_star) return 1.0;
    // Numerator and denominator at the same clamped angle, so the ratio keeps
    // its limit m1^2 at theta = 0 when m2 = 0 (instead of 0 / small).
    const double clamped = theta_of(clamp_cos(c));
    return m1 * std::sin(m1 * clamped + m2) / sin_theta_of(c);
  };
  return {psi, dpsi};
}

namespace {

class Combined : public CosineLoss {
 public:
  Combined(const LossContext& ctx, const ParamReader& r)
      : CosineLoss("combined", ctx, r),
        m1_(r.real_value("m1")),
        m2_(r.real_value("m2")),
        m3_(r.real_value("m3")) {}

 protected:
  // The warm-up moves (m1, m2, m3) from (1, 0, 0), NormFace, to their values.
  TargetLogit target(double ramp) const override {
    return combined_target(1 + ramp * (m1_ - 1), ramp * m2_, ramp * m3_);
  }
  std::string margins() const override {
    return " m1=" + num_str(m1_) + " m2=" + num_str(m2_) + " m3=" + num_str(m3_);
  }

 private:
  double m1_, m2_, m3_;
};

std::vector<ParamSpec> combined_params() {
  std::vector<ParamSpec> p = cosine_loss_params("64", false, true);
  p.insert(p.begin() + 1,
           {{"m1", "1", Range::closed(0.5, 10), "multiplicative angular margin m1 in cos(m1 theta + m2) - m3"},
            {"m2", "0.3", Range::closed(0, 1.5707963267948966), "additive angular margin m2 (radians)"},
            {"m3", "0.2", Range::closed(0, 2), "additive cosine margin m3"}});
  return p;
}

}  // namespace

LossSpec combined_spec() {
  return reader_spec<Combined>(
      "combined", "Combined margin: target logit s (cos(m1 theta_y + m2) - m3)", combined_params());
}

}  // namespace fg
