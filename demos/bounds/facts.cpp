// note_facts(): each number below is computed by the loss code itself
// (registry entries, target functions, schedules, losses evaluated through
// make_loss), never typed in; notes/ quotes them with a `<!-- fact key -->`
// mark, and tests/test_notes.cpp checks page against program.
#include "demos/bounds/facts.hpp"

#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/tensor.hpp"
#include "demos/bounds/checks.hpp"
#include "demos/bounds/eval.hpp"
#include "losses/arcface.hpp"
#include "losses/combined.hpp"
#include "losses/l2softmax.hpp"
#include "losses/lsoftmax.hpp"
#include "losses/margin_softmax.hpp"
#include "losses/registry.hpp"

namespace fg {

std::string short_sci(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
  std::string s = buf;  // "1.1e+03"
  const size_t e = s.find('e');
  int exp = std::stoi(s.substr(e + 1));
  return s.substr(0, e) + "e" + std::to_string(exp);
}

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// NormFace (a)'s example: logits (3, 2.9, 0 x 8), target the 2.9, scaled by
// s, through the softmax loss with W = I (so the logits are the features).
struct ScaledLogits {
  FixedLoss softmax{"softmax", {}, identity()};
  static Tensor identity() {
    Tensor W({10, 10});
    for (int j = 0; j < 10; ++j) W.at(j, j) = 1;
    return W;
  }
  double loss(double s) const {
    Tensor h({1, 10});
    h.at(0, 0) = real(3 * s);
    h.at(0, 1) = real(2.9 * s);
    return softmax.value(h, {1});
  }
};

void add_normface_example(std::vector<NoteFact>& f) {
  const ScaledLogits e;
  f.push_back({"normface_a.loss_s1", fixed(e.loss(1), 3)});
  f.push_back({"normface_a.loss_s2", fixed(e.loss(2), 3)});
  // The loss is convex in s: a ternary search finds its minimum on [1, 10],
  // then bisection the s beyond it where it is back at its s = 1 value.
  double lo = 1, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double a = lo + (hi - lo) / 3, b = hi - (hi - lo) / 3;
    if (e.loss(a) < e.loss(b))
      hi = b;
    else
      lo = a;
  }
  const double s_min = (lo + hi) / 2, l1 = e.loss(1);
  lo = s_min, hi = 100;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    if (e.loss(mid) < l1)
      lo = mid;
    else
      hi = mid;
  }
  f.push_back({"normface_a.s_min", fixed(s_min, 2)});
  f.push_back({"normface_a.s_rise", fixed((lo + hi) / 2, 2)});
}

void add_angular(std::vector<NoteFact>& f) {
  const double pi = 3.141592653589793, m = 0.5;
  const TargetLogit arc = arcface_target(m, false);
  f.push_back({"clamp.sin_floor", short_sci(sin_theta_of(1.0), 2)});
  f.push_back({"arcface.slope_cap", short_sci(arc.dpsi(1.0), 2)});
  const double edge = -std::cos(m);  // c at theta = pi - m
  f.push_back({"arcface.jump", fixed(arc.psi(edge) - arc.psi(edge - 1e-9), 3)});
  f.push_back({"arcface.step_deg", fixed((pi - m) * 180 / pi, 0)});
  // Ten classes on a circle, neighbours 36 degrees apart: the half-width a of
  // the wedge where a margin holds against the nearer neighbour. Cosine
  // margin: cos a - m > cos(36 deg - a), whose left side minus right side
  // falls as a grows, so bisection finds a; angular margin: a + m < 36 deg - a.
  const double gap = 36 * pi / 180;
  auto cos_wedge = [&](double cm) {
    double lo = 0, hi = gap / 2;
    for (int i = 0; i < 100; ++i) {
      const double mid = (lo + hi) / 2;
      (std::cos(mid) - cm > std::cos(gap - mid) ? lo : hi) = mid;
    }
    return lo * 180 / pi;
  };
  f.push_back({"wedge.cos_m010", fixed(cos_wedge(0.1), 1)});
  f.push_back({"wedge.cos_m015", fixed(cos_wedge(0.15), 1)});
  f.push_back({"wedge.arc_m020", fixed((gap - 0.2) / 2 * 180 / pi, 1)});
  // Combined margin (m1, 0, 0) at theta = 0 exactly: the limit m1^2.
  f.push_back({"combined.slope_m1_3", fixed(combined_target(3, 0, 0).dpsi(1.0), 0)});
}

void add_lambda(std::vector<NoteFact>& f) {
  auto d = [](const char* key) {
    for (const ParamSpec& p : loss_spec("lsoftmax").params)
      if (p.key == key) return std::stod(p.default_text);
    throw Error(std::string("lsoftmax has no parameter ") + key);
  };
  const double base = d("base"), gamma = d("gamma"), power = d("power"), lmin = d("lambda_min");
  auto lambda = [&](int64_t t) { return lambda_schedule(t, base, gamma, power, lmin); };
  f.push_back({"lsoftmax.lambda_100", fixed(lambda(100), 0)});
  f.push_back({"lsoftmax.lambda_1000", fixed(lambda(1000), 1)});
  int64_t t = 0;
  while (lambda(t) > lmin) ++t;
  f.push_back({"lsoftmax.lambda_floor_iter", std::to_string(t)});
}

void add_softmax_family(std::vector<NoteFact>& f) {
  // NormFace's floor at neural collapse, on the real loss: K = 10, a simplex
  // ETF, every sample on its class weight.
  const int K = 10;
  const Tensor E = simplex_etf(K, K);
  std::vector<int> y;
  for (int j = 0; j < K; ++j) y.push_back(j);
  const Tensor h = rows_of(E, y, 1);
  for (int s : {1, 5, 10}) {
    const double v = FixedLoss("normface", {{"s", std::to_string(s)}, {"learn_s", "0"}}, E).value(h, y);
    f.push_back({"normface.floor_k10_s" + std::to_string(s),
                 s == 10 ? short_sci(v, 2) : s == 5 ? fixed(v, 3) : fixed(v, 2)});
  }
  f.push_back({"l2softmax.alpha_low_p0.9_k10", fixed(alpha_low(0.9, 10), 4)});
}

}  // namespace

std::vector<NoteFact> note_facts() {
  std::vector<NoteFact> f;
  for (const std::string& name : loss_names())
    for (const ParamSpec& p : loss_spec(name).params) {
      f.push_back({"default." + name + "." + p.key, p.default_text});
      f.push_back({"range." + name + "." + p.key, p.range.str()});
    }
  add_angular(f);
  add_lambda(f);
  add_softmax_family(f);
  add_normface_example(f);
  return f;
}

std::string note_facts_text(const std::vector<NoteFact>& facts) {
  std::string out;
  for (const NoteFact& f : facts) out += f.key + " " + f.value + "\n";
  return out;
}

}  // namespace fg
