// ArcFace, additive angular margin (lecture, "Arcface: details"; J. Deng et al. 2019).
//
//   L_Arcface(x_i) = -log( e^{s psi(theta_{y_i})} / (e^{s psi(theta_{y_i})} + sum_{j != y_i} e^{s cos theta_j}) )
//
//   psi(theta) = cos(theta + m)            while theta + m <= pi
//              = cos theta - m sin m       beyond (theta > pi - m)
//
// W and h normalised as in NormFace; the margin added to the angle, inside
// the cosine. The lecture's values: s = 64, m = 0.5.
//
// Why a second branch: cos(theta + m) stops decreasing at theta = pi - m (it
// reaches cos pi = -1 and would rise again), so a sample far on the wrong
// side would be pushed the wrong way. Beyond pi - m the target logit becomes
// the cosine shifted down by m sin m. It is still non-increasing in theta;
// at theta = pi - m it jumps down from -1 to -cos m - m sin m (by 0.117 for
// m = 0.5), a jump the formula accepts to keep the slope positive.
// easy_margin=1 instead applies the margin only where cos theta > 0 and uses
// the plain cos theta elsewhere (that version jumps up at theta = pi/2).
//
// Derivative, as a function of c = cos theta (theta in [0, pi], so
// sin theta = sqrt(1 - c^2) >= 0):
//   cos(theta + m) = cos theta cos m - sin theta sin m = c cos m - sqrt(1 - c^2) sin m
//   d/dc           = cos m + sin m c / sqrt(1 - c^2)  =  cos m + sin m cos theta / sin theta
// (equivalently sin(theta + m) / sin theta). Branch two: d/dc (c - m sin m) = 1.
// As theta -> 0 the first derivative grows like sin m / theta: the formula's
// slope really is unbounded there. The slope is computed with c clamped
// inside (-1, 1) by kCosEps (clamp_cos, sin_theta_of), which bounds
// sin theta below by about 4.5e-4 and the slope by about 1.1e3 for m = 0.5,
// finite at theta = 0 exactly; the value cos(theta + m) is exact there.
//
// notes: notes/05-angular-family.md#54-arcface
#include "losses/arcface.hpp"

#include <cmath>
#include <memory>

#include "losses/cosine_loss.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

TargetLogit arcface_target(double m, bool easy_margin) {
  const double cos_m = std::cos(m), sin_m = std::sin(m);
  // Where the first branch holds: theta + m <= pi  <=>  c >= cos(pi - m) = -cos m;
  // with easy_margin: c > 0.
  auto margin_applies = [=](double c) { return easy_margin ? c > 0 : c >= -cos_m; };
  auto psi = [=](double c) {
    if (!margin_applies(c)) return easy_margin ? c : c - m * sin_m;
    return std::cos(theta_of(c) + m);
  };
  auto dpsi = [=](double c) {
    if (!margin_applies(c)) return 1.0;
    return cos_m + sin_m * clamp_cos(c) / sin_theta_of(c);
  };
  return {psi, dpsi};
}

namespace {

class ArcFace : public CosineLoss {
 public:
  ArcFace(const LossContext& ctx, const ParamReader& r)
      : CosineLoss("arcface", ctx, r), m_(r.real_value("m")), easy_(r.flag("easy_margin")) {}

 protected:
  TargetLogit target(double ramp) const override { return arcface_target(ramp * m_, easy_); }
  std::string margins() const override {
    return " m=" + num_str(m_) + (easy_ ? " easy_margin" : "");
  }

 private:
  double m_;
  bool easy_;
};

std::vector<ParamSpec> arcface_params() {
  std::vector<ParamSpec> p = cosine_loss_params("64", false, true);
  p.insert(p.begin() + 1, {"m", "0.5", Range::closed(0, 1.5707963267948966),
                           "additive angular margin m (radians) in cos(theta + m)"});
  p.insert(p.begin() + 2, {"easy_margin", "0", Range::flag(),
                           "1: margin only where cos theta > 0, plain cos theta elsewhere"});
  return p;
}

}  // namespace

LossSpec arcface_spec() {
  return reader_spec<ArcFace>(
      "arcface", "ArcFace: target logit s cos(theta_y + m), W and h normalised", arcface_params());
}

}  // namespace fg
