// L-Softmax, large-margin softmax (lecture, "L-Softmax"; W. Liu et al. 2016).
//
//   L_L-SM(x_i) = -log( e^{|W_{y_i}| |h(x_i)| psi(theta_{y_i})} /
//                      (e^{|W_{y_i}| |h(x_i)| psi(theta_{y_i})} + sum_{j != y_i} e^{|W_j| |h(x_i)| cos theta_j}) )
//
//   psi(theta) = ((-1)^k cos(m theta) - 2k + lambda cos theta) / (lambda + 1),
//                theta in [k pi/m, (k+1) pi/m],  k in [0, m-1]
//
// No bias; the loss is the mean over the batch. m is a positive integer
// (default 2). lambda relaxes the margin: training starts near plain softmax
// (lambda = 1000) and lambda is annealed down to 5 (lambda_schedule below);
// lambda = 0 is the pure margin, and m = 1, lambda = 0 is the bias-free softmax.
//
// psi without lambda is continuous and decreasing: on interval k, m theta runs
// over [k pi, (k+1) pi], where (-1)^k cos(m theta) falls from 1 to -1; at
// theta = k pi/m the left piece ends at (-1)^{k-1} cos(k pi) - 2(k-1) = 1 - 2k
// and the right one starts at (-1)^k cos(k pi) - 2k = 1 - 2k.
//
// Derivative. cos(m theta) is the Chebyshev polynomial T_m of c = cos theta
// (T_0 = 1, T_1 = c, T_{n+1} = 2c T_n - T_{n-1}; T_2 = 2c^2 - 1,
// T_4 = 8c^4 - 8c^2 + 1), and
//   dT_m/dc = (d cos(m theta)/dtheta) / (dc/dtheta) = m sin(m theta) / sin theta = m U_{m-1}(c)
// with U the polynomials of the second kind (U_0 = 1, U_1 = 2c,
// U_{n+1} = 2c U_n - U_{n-1}). So, with k read off c (k is piecewise
// constant: its derivative is 0),
//   psi(c)    = ((-1)^k T_m(c) - 2k + lambda c) / (1 + lambda)
//   dpsi/dc   = ((-1)^k m U_{m-1}(c) + lambda) / (1 + lambda)
// both polynomials: finite at theta = 0 (U_{m-1}(1) = m) and theta = pi,
// no acos and no division by sin theta anywhere.
//
// The logits' scale |W_j| |h_i| and cos theta come from primitive ops
// (row_norms, cosine_matrix) with a common eps, so a_ij cos theta_ij = <W_j, h_i>;
// their backward carries the node's dL/da and dL/dcos on to W and h.
//
// notes: notes/05-angular-family.md#51-l-softmax
#include "losses/lsoftmax.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/ops.hpp"
#include "losses/reader_spec.hpp"
#include "losses/registry.hpp"

namespace fg {

int lsoftmax_k(int m, double c) {
  // theta >= j pi/m  <=>  c <= cos(j pi/m)
  int k = 0;
  for (int j = 1; j < m; ++j)
    if (c <= std::cos(j * 3.141592653589793 / m)) k = j;
  return k;
}

namespace {
// T_m(c) and U_{m-1}(c) by the three-term recurrences.
void chebyshev(int m, double c, double& T, double& U) {
  double t0 = 1, t1 = c, u0 = 0, u1 = 1;  // T_0, T_1; U_{-1} = 0, U_0 = 1
  for (int n = 1; n < m; ++n) {
    const double t2 = 2 * c * t1 - t0, u2 = 2 * c * u1 - u0;
    t0 = t1, t1 = t2, u0 = u1, u1 = u2;
  }
  T = m == 0 ? 1 : t1;
  U = u1;
}
}  // namespace

TargetLogit lsoftmax_target(int m, double lambda) {
  auto psi = [m, lambda](double c) {
    const int k = lsoftmax_k(m, c);
    double T, U;
    chebyshev(m, c, T, U);
    return ((k % 2 ? -T : T) - 2 * k + lambda * c) / (1 + lambda);
  };
  auto dpsi = [m, lambda](double c) {
    const int k = lsoftmax_k(m, c);
    double T, U;
    chebyshev(m, c, T, U);
    return ((k % 2 ? -m * U : m * U) + lambda) / (1 + lambda);
  };
  return {psi, dpsi};
}

double lambda_schedule(int64_t t, double base, double gamma, double power, double lambda_min) {
  return power_decay(base, gamma, power, lambda_min)(t);
}

std::vector<ParamSpec> large_margin_params(const std::string& m_default) {
  return {
      {"m", m_default, Range::integers(1, 20), "integer angular margin m in cos(m theta)"},
      {"lambda", "annealed", Range::closed(0, 1e6),
       "fixes lambda (no annealing); 0 is the pure margin"},
      {"base", "1000", Range::positive_upto(1e6), "lambda(t) = max(lambda_min, base (1 + gamma t)^-power)"},
      {"gamma", "0.12", Range::closed(0, 1000), "annealing rate gamma"},
      {"power", "1", Range::closed(0, 100), "annealing power"},
      {"lambda_min", "5", Range::closed(0, 1e6), "the floor lambda anneals down to"},
  };
}

Var safe_row_norms(const Var& x) {
  // Above 2^50 a float's square nears its limit (2^128); below, nothing changes.
  double top = 0;
  const Tensor& v = x.value();
  for (int64_t i = 0; i < v.numel(); ++i) top = std::max(top, std::abs(double(v[i])));
  if (!(top > std::ldexp(1.0, 50))) return row_norms(x);
  int e = 0;
  std::frexp(top, &e);  // top < 2^e; the scale 2^-e is exact, so is undoing it
  e = std::min(e, 120);  // 2^-120 is a normal float
  return mul(row_norms(mul(x, real(std::ldexp(1.0, -e)))), real(std::ldexp(1.0, e)));
}

LargeMarginLoss::LargeMarginLoss(std::string name, const LossContext& ctx, const ParamReader& r)
    : name_(std::move(name)),
      ctx_(ctx),
      m_(r.int_value("m")),
      fixed_lambda_(r.has("lambda")),
      lambda_fixed_(fixed_lambda_ ? r.real_value("lambda") : 0),
      lambda_annealed_(power_decay(r.real_value("base"), r.real_value("gamma"),
                                   r.real_value("power"), r.real_value("lambda_min"))) {
  add_parameter("W", init_class_weights(ctx.num_classes, ctx.dim, ctx.seed), true);
}

double LargeMarginLoss::lambda() const {
  return fixed_lambda_ ? lambda_fixed_ : lambda_annealed_(t_);
}

std::function<double(double)> LargeMarginLoss::target_logit() const {
  return lsoftmax_target(m_, lambda()).psi;
}

Var LargeMarginLoss::forward(const LossInput& in) {
  check_batch(name_, in.h, in.y, ctx_.num_classes, ctx_.dim);
  const Var& W = param("W");
  return margin_softmax(cosine_matrix(in.h, W), scale(in.h, W), in.y,
                        lsoftmax_target(m_, lambda()));
}

std::string LargeMarginLoss::describe() const {
  return name_ + " m=" + std::to_string(m_) + " lambda=" + num_str(lambda());
}

namespace {

// a_ij = |W_j| |h_i|: the outer product of the two columns of norms.
class LSoftmax : public LargeMarginLoss {
 public:
  LSoftmax(const LossContext& ctx, const ParamReader& r) : LargeMarginLoss("lsoftmax", ctx, r) {}

 protected:
  Var scale(const Var& h, const Var& W) const override {
    return mul(safe_row_norms(h), reshape(safe_row_norms(W), {1, W.shape()[0]}));
  }
};

}  // namespace

LossSpec lsoftmax_spec() {
  return reader_spec<LSoftmax>(
      "lsoftmax", "L-Softmax: target logit |W_y| |h| psi(theta_y), psi = (-1)^k cos(m theta) - 2k",
      large_margin_params("2"));
}

}  // namespace fg
