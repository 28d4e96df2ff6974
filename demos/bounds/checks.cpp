// The softmax-family exercises (NormFace, CoCo, L2-Softmax) on the real loss
// code, the helpers every check shares, and the table. The derivations are
// in notes/solutions.md; the angular exercises are in angular.cpp.
#include "demos/bounds/checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "core/graph.hpp"
#include "core/random.hpp"
#include "demos/bounds/eval.hpp"
#include "losses/l2softmax.hpp"
#include "losses/registry.hpp"

namespace fg {

// ---- shared ------------------------------------------------------------------

double bounds_tol() { return sizeof(real) == 8 ? 1e-9 : 1e-4; }

std::string strf(const char* format, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(buf, sizeof buf, format, ap);
  va_end(ap);
  return buf;
}

std::string exact_str(double v) { return strf("%.17g", v); }

FixedLoss::FixedLoss(const std::string& name, const LossParams& params, const Tensor& W,
                     bool set_w)
    : loss_(make_loss(name, params, LossContext{W.size(0), W.size(1), 1})) {
  if (set_w) loss_->set_parameter("W", constant(W.clone()));
}

double FixedLoss::value(const Tensor& h, const std::vector<int>& y) const {
  NoGrad no_graph;
  return double(loss_->forward(LossInput{constant(h), y, nullptr}).value()[0]);
}

double FixedLoss::prob(const Tensor& h, int y) const { return std::exp(-value(h, {y})); }

Tensor rows_of(const Tensor& W, const std::vector<int>& y, double scale) {
  const int N = W.size(1);
  Tensor h({int(y.size()), N});
  for (size_t i = 0; i < y.size(); ++i)
    for (int k = 0; k < N; ++k) h.at(int(i), k) = real(scale * W.at(y[i], k));
  return h;
}

Tensor unit_2d(double phi) { return Tensor::from({1, 2}, {real(std::cos(phi)), real(std::sin(phi))}); }

Tensor simplex_etf(int K, int N) {
  if (K < 2 || N < K)
    throw Error("simplex_etf: need K >= 2 and N >= K, got K = " + std::to_string(K) +
                ", N = " + std::to_string(N));
  Tensor E({K, N});
  const double a = std::sqrt(double(K) / (K - 1));
  for (int j = 0; j < K; ++j)
    for (int k = 0; k < K; ++k) E.at(j, k) = real(a * ((j == k ? 1.0 : 0.0) - 1.0 / K));
  return E;
}

double normface_bound(int K, double s) {
  return std::log1p((K - 1) * std::exp(-double(K) * s / (K - 1)));
}
double coco_alpha_bound(int K, double eps) { return 0.5 * std::log((K - 1) / std::expm1(eps)); }
double cosface_s_exact(int K, double P) {
  return double(K - 1) / K * std::log((K - 1) * P / (1 - P));
}
double cosface_s_lecture(int K, double P) {
  return double(K) / (K - 1) * std::log((K - 1) * P / (1 - P));
}

std::string bounds_table(const std::vector<BoundRow>& rows) {
  auto cell = [](const std::string& text) {  // a '|' inside a cell would end it
    std::string c;
    for (char ch : text) c += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return c;
  };
  std::string out = "| exercise | bound | measured | holds |\n|---|---|---|---|\n";
  for (const BoundRow& r : rows)
    out += "| " + cell(r.exercise) + " | " + cell(r.bound) + " | " + cell(r.measured) + " | " +
           (r.holds ? "yes" : "**NO**") + " |\n";
  return out;
}

namespace {

std::vector<int> balanced_labels(int K, int per_class) {
  std::vector<int> y;
  for (int r = 0; r < per_class; ++r)
    for (int j = 0; j < K; ++j) y.push_back(j);
  return y;
}

// rows + sigma * N(0, 1) noise.
Tensor jitter(Tensor t, double sigma, Rng& rng) {
  for (int64_t i = 0; i < t.numel(); ++i) t[i] += real(sigma * rng.normal());
  return t;
}

}  // namespace

// ---- NormFace ------------------------------------------------------------------

std::vector<BoundRow> check_normface_scaling(uint64_t seed, int trials) {
  Rng rng(seed);
  double worst = 1e300;
  for (int t = 0; t < trials; ++t) {
    const int K = 2 + int(rng.below(9)), N = 2 + int(rng.below(7));
    const double s = rng.uniform(1, 5);
    const Tensor W = Tensor::randn({K, N}, rng);
    Tensor h = Tensor::randn({1, N}, rng, 0, real(rng.uniform(0.1, 2)));
    int y = 0;  // the class of the largest logit <W_j, h>
    std::vector<double> logit(K, 0.0);
    for (int j = 0; j < K; ++j) {
      for (int k = 0; k < N; ++k) logit[j] += double(W.at(j, k)) * h.at(0, k);
      if (logit[j] > logit[y]) y = j;
    }
    const FixedLoss softmax("softmax", {}, W);
    const double p1 = softmax.prob(h, y);
    for (int k = 0; k < N; ++k) h.at(0, k) = real(s * h.at(0, k));
    worst = std::min(worst, softmax.prob(h, y) - p1);
  }
  return {{strf("NormFace (a): scaling by s > 1 (%d random W, h; s in (1, 5])", trials),
           "max_i softmax(s l)_i >= max_i softmax(l)_i",
           strf("min of p_max(s h) - p_max(h) = %.3g", worst), worst >= -bounds_tol()}};
}

std::vector<BoundRow> check_normface_etf() {
  std::vector<BoundRow> rows;
  const double cases[][2] = {{2, 2}, {4, 1.5}, {10, 3}};  // K, l
  for (const auto& c : cases) {
    const int K = int(c[0]);
    const double l = c[1], s = l * l;
    const Tensor E = simplex_etf(K, K);
    const std::vector<int> y = balanced_labels(K, 2);
    const Tensor h = rows_of(E, y, l);  // every sample on its class mean, scaled by l
    const double bound = normface_bound(K, s);
    // NormFace with s = l^2, and the plain softmax on W' = l E, h' = l E_y.
    const double nf = FixedLoss("normface", {{"s", exact_str(s)}, {"learn_s", "0"}}, E).value(h, y);
    const double sm = FixedLoss("softmax", {}, rows_of(E, balanced_labels(K, 1), l)).value(h, y);
    const double tol = bounds_tol() * std::max(1.0, bound);
    rows.push_back({strf("NormFace (b): simplex ETF, h = l W_y (K = %d, l = %g)", K, l),
                    strf("log(1 + (K-1) e^{-K l^2/(K-1)}) = %.9g", bound),
                    strf("normface s = l^2: %.9g; softmax on l W, l h: %.9g", nf, sm),
                    std::abs(nf - bound) <= tol && std::abs(sm - bound) <= tol});
  }
  return rows;
}

std::vector<BoundRow> check_normface_random(uint64_t seed, int trials) {
  Rng rng(seed);
  double worst = 1e300;
  const char* kinds[] = {"free", "collapsed", "near-ETF"};
  int worst_kind = 0;
  for (int t = 0; t < trials; ++t) {
    const int K = 2 + int(rng.below(7)), N = 2 + int(rng.below(9)), per = 1 + int(rng.below(3));
    // s <= 12 keeps the bound above 1e-11: below about 1e-16 a loss value
    // rounds to 0 (log of a sum within 1e-16 of 1), which says nothing of the bound.
    const double s = rng.uniform(0.5, 12);
    int kind = t % 3;
    if (kind == 2 && N < K) kind = 1;  // the ETF needs N >= K here
    const Tensor W = kind == 2 ? jitter(simplex_etf(K, N), 0.02, rng) : Tensor::randn({K, N}, rng);
    const std::vector<int> y = balanced_labels(K, per);
    const Tensor h = kind == 0 ? Tensor::randn({K * per, N}, rng)
                               : jitter(rows_of(W, y), kind == 2 ? 0.02 : 0.3, rng);
    const double L = FixedLoss("normface", {{"s", exact_str(s)}, {"learn_s", "0"}}, W).value(h, y);
    const double bound = normface_bound(K, s);
    const double gap = (L - bound) / bound;
    if (gap < worst) worst = gap, worst_kind = kind;
  }
  return {{strf("NormFace (b): no balanced batch goes below (%d random: free, collapsed, "
                "near-ETF; K 2..8, s 0.5..12)", trials),
           "L >= log(1 + (K-1) e^{-K s/(K-1)})",
           strf("min (L - bound) / bound = %.3g (a %s batch)", worst, kinds[worst_kind]),
           worst >= -bounds_tol()}};
}

// ---- CoCo ------------------------------------------------------------------------

std::vector<BoundRow> check_coco(uint64_t seed, int trials) {
  Rng rng(seed);
  auto coco = [](int K, int N, double alpha) {
    return FixedLoss("coco", {{"alpha", exact_str(alpha)}}, Tensor({K, N}), false);
  };
  // Random batches, classes of unequal size: alpha against 1/2 log((K-1)/(e^L - 1)).
  double worst = 1e300, worst_sharp = 1e300;
  for (int t = 0; t < trials; ++t) {
    const int K = 2 + int(rng.below(7)), N = 2 + int(rng.below(7));
    const bool balanced = t % 2 == 1;
    std::vector<int> y;
    for (int j = 0; j < K; ++j)
      for (int r = 0, n = balanced ? 2 : 1 + int(rng.below(4)); r < n; ++r) y.push_back(j);
    const double alpha = rng.uniform(0.5, 15);
    const Tensor centre = Tensor::randn({K, N}, rng);
    const Tensor h = t % 3 == 0 ? Tensor::randn({int(y.size()), N}, rng)
                                : jitter(rows_of(centre, y), t % 3 == 1 ? 0.05 : 0.5, rng);
    const double L = coco(K, N, alpha).value(h, y);
    worst = std::min(worst, (alpha - coco_alpha_bound(K, L)) / alpha);
    if (balanced)  // the sharper ETF form holds on balanced batches
      worst_sharp = std::min(worst_sharp, (alpha - 2.0 * (K - 1) / K * coco_alpha_bound(K, L)) / alpha);
  }
  // Equality: two classes on opposite points.
  double worst_eq = 0;
  std::string eq;
  for (double alpha : {2.0, 8.0}) {
    const Tensor h = Tensor::from({4, 2}, {1, 0, 1, 0, -1, 0, -1, 0});
    const double L = coco(2, 2, alpha).value(h, {0, 0, 1, 1});
    const double need = coco_alpha_bound(2, L);
    worst_eq = std::max(worst_eq, std::abs(need - alpha) / alpha);
    eq += strf("%salpha = %g: L = %.6g, bound %.9g", eq.empty() ? "" : "; ", alpha, L, need);
  }
  // Equality of the sharper form: balanced clusters on a simplex ETF.
  const int K = 5;
  const double alpha = 6;
  const std::vector<int> y = balanced_labels(K, 2);
  const double L = coco(K, K, alpha).value(rows_of(simplex_etf(K, K), y), y);
  const double sharp = 2.0 * (K - 1) / K * coco_alpha_bound(K, L);
  return {
      {strf("CoCo: L < eps needs alpha > bound (%d random batches, K 2..8, alpha 0.5..15)", trials),
       "alpha >= 1/2 log((K-1)/(e^L - 1))",
       strf("min (alpha - bound) / alpha = %.3g", worst), worst >= -bounds_tol()},
      {"CoCo: the bound is reached (K = 2, the classes on opposite points)",
       "alpha = 1/2 log((K-1)/(e^L - 1))", eq, worst_eq <= bounds_tol()},
      {strf("CoCo, balanced batches: the sharper form (%d random; equality on a simplex ETF, K = 5)",
            (trials + 1) / 2),
       "alpha >= (K-1)/K log((K-1)/(e^L - 1))",
       strf("min (alpha - bound) / alpha = %.3g; ETF, alpha = 6: bound %.9g", worst_sharp, sharp),
       worst_sharp >= -bounds_tol() && std::abs(sharp - alpha) <= bounds_tol() * alpha}};
}

// ---- L2-Softmax ----------------------------------------------------------------

std::vector<BoundRow> check_l2softmax() {
  // K = 10 classes in N = 6 dimensions, pi/2 or pi apart: +e_0..+e_5, -e_0..-e_3.
  // Classes 4 and 5 have no opposite class, 0..3 and 6..9 have one.
  const int K = 10, N = 6;
  Tensor W({K, N});
  for (int j = 0; j < K; ++j) W.at(j, j % N) = j < N ? 1 : -1;
  std::vector<BoundRow> rows;
  for (double p : {0.9, 0.99}) {
    const double formula = std::log(p * (K - 2) / (1 - p));
    const double a_low = alpha_low(p, K);
    // With the opposite class's e^{-alpha} kept: (1-p) e^{2a} - p(K-2) e^a - p = 0.
    const double a_exact = std::log((p * (K - 2) + std::sqrt(p * p * (K - 2) * (K - 2) +
                                                              4 * p * (1 - p))) / (2 * (1 - p)));
    auto prob = [&](double alpha, int cls) {
      const FixedLoss l2("l2softmax", {{"alpha", exact_str(alpha)}, {"learn_alpha", "0"}}, W);
      return l2.prob(rows_of(W, {cls}), cls);
    };
    // The slide's configuration is the class with an opposite one (0): its
    // probability at alpha_low falls short of p only by the e^{-alpha} the
    // slide drops; a class without an opposite (4) needs more.
    const double opposed = prob(a_low, 0), alone = prob(a_low, 4), exact = prob(a_exact, 0);
    double best = 0, below = 0;
    for (int cls = 0; cls < K; ++cls) {
      best = std::max(best, prob(a_low, cls));
      below = std::max(below, prob(0.99 * a_low, cls));
    }
    const double tol = bounds_tol();
    rows.push_back(
        {strf("L2-Softmax: alpha_low for p = %g (K = %d, N = %d, classes pi/2 or pi apart)", p, K, N),
         strf("alpha >= alpha_low = log(p (K-2)/(1-p)) = %.6g (alpha_low(): %.6g); with the "
              "dropped e^-alpha: %.6g",
              formula, a_low, a_exact),
         strf("at alpha_low p = %.6f (a class with an opposite one), %.6f (without); at %.6g: "
              "%.6f; at 0.99 alpha_low: max p %.6f",
              opposed, alone, a_exact, exact, below),
         std::abs(a_low - formula) <= tol * formula && best < p && p - opposed < 1e-3 &&
             std::abs(exact - p) <= tol && below < p});
  }
  return rows;
}

// ---- all -------------------------------------------------------------------------

std::vector<BoundRow> all_bound_checks(uint64_t seed, int trials) {
  std::vector<BoundRow> all;
  for (auto part : {check_normface_scaling(seed, trials), check_normface_etf(),
                    check_normface_random(seed + 1, trials), check_coco(seed + 2, trials),
                    check_l2softmax(), check_asoftmax_two_classes(), check_asoftmax_many_classes(),
                    check_cosface_margin(seed + 3, trials), check_cosface_scale(),
                    check_lsoftmax_margin()})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

}  // namespace fg
