// The angular exercises (A-Softmax's m, CosFace's m and s, L-Softmax's
// decision margin) on the real loss code; derivations in notes/solutions.md.
//
// A decision boundary is found by bisection on a sign the loss code gives.
// With two classes, unit W rows and a unit h, every loss here is
// log(1 + e^{z_other - z_target}), which is below log 2 exactly when the
// target logit wins: the region of class y is where log 2 - L(h, y) > 0.
#include <algorithm>
#include <cmath>
#include <functional>

#include "core/graph.hpp"
#include "core/random.hpp"
#include "demos/bounds/checks.hpp"
#include "demos/bounds/eval.hpp"
#include "losses/lsoftmax.hpp"
#include "losses/margin_softmax.hpp"

namespace fg {

namespace {

const double kPi = 3.141592653589793;
double deg(double rad) { return rad * 180 / kPi; }

// The point in [a, b] where f changes sign (f(a) and f(b) of opposite signs,
// a value within `zero` of 0 counting as a root), to about 1e-13.
double boundary(const std::function<double(double)>& f, double a, double b, double zero = 0) {
  double fa = f(a);
  const double fb = f(b);
  if (std::abs(fa) <= zero) return a;
  if (std::abs(fb) <= zero) return b;
  if ((fa > 0) == (fb > 0))
    throw Error(strf("bounds: no sign change on [%g, %g] (f = %g, %g)", a, b, fa, fb));
  for (int it = 0; it < 200 && b - a > 1e-13; ++it) {
    const double mid = 0.5 * (a + b), fm = f(mid);
    if ((fm > 0) == (fa > 0))
      a = mid, fa = fm;
    else
      b = mid;
  }
  return 0.5 * (a + b);
}

// W_0 = (1, 0), W_1 at angle alpha.
Tensor two_classes(double alpha) {
  return Tensor::from({2, 2}, {1, 0, real(std::cos(alpha)), real(std::sin(alpha))});
}

// Angle tolerance: bisection and float cosines resolve about 1e-6 rad.
double angle_tol() { return sizeof(real) == 8 ? 1e-9 : 2e-4; }

}  // namespace

// ---- A-Softmax -------------------------------------------------------------------

std::vector<BoundRow> check_asoftmax_two_classes() {
  const double alpha = kPi / 3, m_min = 2 + std::sqrt(3.0);
  const Tensor W = two_classes(alpha);
  std::string measured;
  bool holds = true;
  for (int m = 2; m <= 5; ++m) {
    const FixedLoss a("asoftmax", {{"m", std::to_string(m)}, {"lambda", "0"}}, W);
    auto inside = [&](int y) {
      return [&a, y](double phi) { return std::log(2.0) - a.value(unit_2d(phi), {y}); };
    };
    const double right0 = boundary(inside(0), 0, alpha);         // toward W_1
    const double left0 = boundary(inside(0), -(kPi - alpha), 0);  // away from W_1
    const double left1 = boundary(inside(1), 0, alpha);
    const double intra = right0 - left0, inter = left1 - right0;
    const double intra_f = alpha / (m + 1) + alpha / (m - 1), inter_f = alpha * (m - 1) / (m + 1);
    holds = holds && std::abs(intra - intra_f) <= angle_tol() &&
            std::abs(inter - inter_f) <= angle_tol() && (intra <= inter) == (m >= m_min);
    measured += strf("%sm = %d: %.4f deg %s %.4f deg", measured.empty() ? "" : "; ", m, deg(intra),
                     intra <= inter ? "<=" : ">", deg(inter));
  }
  return {{"A-Softmax, two classes 60 deg apart: max intra-class angle vs min inter-class angle",
           "intra <= inter iff m >= 2 + sqrt 3 = 3.732 (intra = a/(m+1) + a/(m-1), inter = a (m-1)/(m+1))",
           measured, holds}};
}

std::vector<BoundRow> check_asoftmax_many_classes() {
  const int K = 10;
  const double alpha = 2 * kPi / K;
  Tensor W({K, 2});
  for (int j = 0; j < K; ++j) {
    W.at(j, 0) = real(std::cos(j * alpha));
    W.at(j, 1) = real(std::sin(j * alpha));
  }
  std::string measured;
  bool holds = true;
  for (int m = 2; m <= 4; ++m) {
    const TargetLogit psi = lsoftmax_target(m, 0);
    // psi(theta_y) minus the best other logit, cosines from the loss code's cosine_matrix.
    auto inside = [&](int y) {
      return [&, y](double phi) {
        NoGrad no_graph;
        const Tensor c = cosine_matrix(constant(unit_2d(phi)), constant(W)).value();
        double best = -2;
        for (int j = 0; j < K; ++j)
          if (j != y) best = std::max(best, double(c.at(0, j)));
        return psi.psi(c.at(0, y)) - best;
      };
    };
    const double right0 = boundary(inside(0), 0, alpha), left0 = boundary(inside(0), -alpha, 0);
    const double left1 = boundary(inside(1), 0, alpha);
    const double intra = right0 - left0, inter = left1 - right0;
    const double tol = angle_tol();
    holds = holds && std::abs(intra - 2 * alpha / (m + 1)) <= tol &&
            std::abs(inter - alpha * (m - 1) / (m + 1)) <= tol &&
            (intra <= inter + tol) == (m >= 3);
    measured += strf("%sm = %d: %.4f deg %s %.4f deg", measured.empty() ? "" : "; ", m, deg(intra),
                     intra <= inter + tol ? "<=" : ">", deg(inter));
  }
  return {{"A-Softmax, K = 10 classes evenly spread in 2-D (36 deg apart), real psi",
           "intra <= inter iff m >= 3 (intra = 2a/(m+1), inter = a (m-1)/(m+1))", measured, holds}};
}

// ---- CosFace ---------------------------------------------------------------------

std::vector<BoundRow> check_cosface_margin(uint64_t seed, int trials) {
  // The margin at which a sample on its own class weight ties with the best
  // other class, on a simplex ETF: the loss reaches log K there.
  std::string etf;
  bool etf_ok = true;
  for (int K : {2, 3, 5, 10}) {
    const Tensor E = simplex_etf(K, K);
    const Tensor h = rows_of(E, {0});
    auto excess = [&](double m) {
      return FixedLoss("cosface", {{"s", "10"}, {"m", exact_str(m)}}, E).value(h, {0}) -
             std::log(double(K));
    };
    const double m_star = boundary(excess, 0, 2, 1e-6);
    const double bound = double(K) / (K - 1);
    etf_ok = etf_ok && std::abs(m_star - bound) <= angle_tol();
    etf += strf("%sK = %d: %.6f", etf.empty() ? "" : "; ", K, m_star);
  }
  // Random class weights leave less room: 1 - max_{i != j} cos(W_i, W_j) <= K/(K-1).
  Rng rng(seed);
  double worst = 0;
  for (int t = 0; t < trials; ++t) {
    const int K = 2 + int(rng.below(9)), N = 2 + int(rng.below(11));
    NoGrad no_graph;
    const Var Wv = constant(Tensor::randn({K, N}, rng));
    const Tensor c = cosine_matrix(Wv, Wv).value();
    double max_cos = -2;
    for (int i = 0; i < K; ++i)
      for (int j = 0; j < K; ++j)
        if (i != j) max_cos = std::max(max_cos, double(c.at(i, j)));
    worst = std::max(worst, (1 - max_cos) / (double(K) / (K - 1)));
  }
  return {{"CosFace: the largest margin a sample on W_y can carry, simplex ETF (loss = log K there)",
           "m <= K/(K-1): 2, 1.5, 1.25, 1.111", "m where the loss reaches log K: " + etf, etf_ok},
          {strf("CosFace: %d random W, K 2..10, N 2..12", trials),
           "1 - max_{i != j} cos(W_i, W_j) <= K/(K-1)",
           strf("max of (1 - max cos) / (K/(K-1)) = %.4f", worst), worst <= 1 + bounds_tol()}};
}

std::vector<BoundRow> check_cosface_scale() {
  std::vector<BoundRow> rows;
  const double P = 0.99;
  for (int K : {2, 10, 100}) {
    const Tensor E = simplex_etf(K, K);
    std::vector<int> y(K);
    for (int j = 0; j < K; ++j) y[j] = j;
    const Tensor h = rows_of(E, y);
    auto prob = [&](double s) {  // every sample alike: e^{-mean loss} is each one's p_y
      return std::exp(-FixedLoss("normface", {{"s", exact_str(s)}, {"learn_s", "0"}}, E).value(h, y));
    };
    const double s_ex = cosface_s_exact(K, P), s_lec = cosface_s_lecture(K, P);
    const double p_ex = prob(s_ex), p_lec = prob(s_lec), p_below = prob(0.99 * s_ex);
    rows.push_back(
        {strf("CosFace: least s for P = %g on a simplex ETF (K = %d)", P, K),
         strf("s >= (K-1)/K log((K-1)P/(1-P)) = %.4f (lecture's K/(K-1) form: %.4f)", s_ex, s_lec),
         strf("P = %.6f at the exact s, %.6f at 0.99 of it, %.6f at the lecture's s", p_ex, p_below,
              p_lec),
         std::abs(p_ex - P) <= bounds_tol() && p_below < P && p_lec > P});
  }
  // With the margin: the target logit s (1 - m) against s (-1/(K-1)).
  const int K = 10;
  const double m = 0.35;
  const double s_m = std::log((K - 1) * P / (1 - P)) / (double(K) / (K - 1) - m);
  const Tensor E = simplex_etf(K, K);
  const double p =
      FixedLoss("cosface", {{"s", exact_str(s_m)}, {"m", exact_str(m)}}, E).prob(rows_of(E, {3}), 3);
  rows.push_back({"CosFace with its margin m = 0.35: least s for P = 0.99 (K = 10)",
                  strf("s >= log((K-1)P/(1-P)) / (K/(K-1) - m) = %.4f", s_m),
                  strf("P = %.6f at that s", p), std::abs(p - P) <= bounds_tol()});
  return rows;
}

// ---- L-Softmax -------------------------------------------------------------------

std::vector<BoundRow> check_lsoftmax_margin() {
  std::string measured;
  bool holds = true;
  const double cases[][2] = {{180, 2}, {90, 3}, {120, 4}, {60, 2}};  // alpha in degrees, m
  for (const auto& c : cases) {
    const double alpha = c[0] * kPi / 180;
    const int m = int(c[1]);
    const FixedLoss ls("lsoftmax", {{"m", std::to_string(m)}, {"lambda", "0"}}, two_classes(alpha));
    auto inside = [&](int y) {
      return [&ls, y](double phi) { return std::log(2.0) - ls.value(unit_2d(phi), {y}); };
    };
    const double b0 = boundary(inside(0), 0, alpha), b1 = boundary(inside(1), 0, alpha);
    const double margin = b1 - b0, formula = alpha * (m - 1) / (m + 1);
    holds = holds && std::abs(margin - formula) <= angle_tol() &&
            std::abs(b0 - alpha / (m + 1)) <= angle_tol();
    measured += strf("%salpha = %g, m = %d: %.4f deg (formula %.4f)", measured.empty() ? "" : "; ",
                     c[0], m, deg(margin), deg(formula));
  }
  return {{"L-Softmax: decision margin between two classes of equal weight norms, lambda = 0",
           "alpha_M = alpha (m-1)/(m+1); boundary of class 1 at theta_1 = alpha/(m+1)", measured,
           holds}};
}

}  // namespace fg
