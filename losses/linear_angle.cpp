// Linear angular margin: not a loss of the lecture, but the worked example of
// notes/adding-a-loss.md (how a new margin loss enters facegrad: this one
// file, two lines in losses/registry.cpp, a five-line test in
// tests/test_example_loss.cpp).
//
//   L(x_i) = -log( e^{s psi(theta_{y_i})} / (e^{s psi(theta_{y_i})} + sum_{j != y_i} e^{s cos theta_j}) )
//
//   psi(theta) = 1 - 2 (theta + m) / pi
//
// W and h normalised as in NormFace; only the target logit changes. Where
// ArcFace bends the angle through a cosine, cos(theta + m), this target is a
// straight line in the angle: with m = 0 it meets cos theta at theta = 0,
// pi/2 and pi; it falls by 2/pi per radian at every angle (cos(theta + m)
// flattens out as theta + m nears pi), and it keeps falling over the whole
// of [0, pi], so no second branch is needed (ArcFace needs one beyond
// theta = pi - m). Defaults: ArcFace's s = 64 and m = 0.5, so the two can be
// compared at the same settings; warmup=N ramps m in as for the other
// margin losses (losses/cosine_loss.hpp).
//
// Derivative, as a function of c = cos theta (theta = arccos c in [0, pi],
// dtheta/dc = -1 / sin theta):
//   psi(c)    = 1 - 2 (arccos c + m) / pi
//   dpsi/dc   = -2/pi dtheta/dc = 2 / (pi sin theta)
// The slope is unbounded at theta = 0 and pi, as ArcFace's is at theta = 0.
// In h the product is tame: the cosine's own gradient has length
// sin theta / |h|, so the target logit moves h's angle at the same rate
// 2 s / (pi |h|) everywhere. sin theta is computed by sin_theta_of (c clamped
// inside (-1, 1) by kCosEps), which keeps dpsi/dc finite; inside that band
// (theta below about 4.5e-4) the gradient in h shrinks to 0, a valid
// subgradient at the cone point theta = 0 where the angle is not
// differentiable. The value uses theta_of, exact at c = +-1.
//
// notes: notes/adding-a-loss.md#the-worked-example-a-linear-angular-margin
#include <cmath>
#include <memory>

#include "losses/cosine_loss.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

const double kPi = 3.141592653589793;

// psi and dpsi/dc of the linear target, margin m.
TargetLogit linear_angle_target(double m) {
  auto psi = [m](double c) { return 1 - 2 * (theta_of(c) + m) / kPi; };
  auto dpsi = [](double c) { return 2 / (kPi * sin_theta_of(c)); };
  return {psi, dpsi};
}

class LinearAngle : public CosineLoss {
 public:
  LinearAngle(const LossContext& ctx, const ParamReader& r)
      : CosineLoss("linear_angle", ctx, r), m_(r.real_value("m")) {}

 protected:
  TargetLogit target(double ramp) const override { return linear_angle_target(ramp * m_); }
  std::string margins() const override { return " m=" + num_str(m_); }

 private:
  double m_;
};

std::vector<ParamSpec> linear_angle_params() {
  std::vector<ParamSpec> p = cosine_loss_params("64", false, true);
  p.insert(p.begin() + 1, {"m", "0.5", Range::closed(0, kPi / 2),
                           "angular margin m (radians) in 1 - 2 (theta + m) / pi"});
  return p;
}

}  // namespace

LossSpec linear_angle_spec() {
  return reader_spec<LinearAngle>(
      "linear_angle",
      "Linear angular margin (not in the lecture; notes/adding-a-loss.md): target logit "
      "s (1 - 2 (theta_y + m) / pi)",
      linear_angle_params());
}

}  // namespace fg
