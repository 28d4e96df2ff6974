// The margin playground's grid (demos/explorer/playground.hpp).
#include "demos/explorer/playground.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "core/error.hpp"
#include "core/graph.hpp"
#include "losses/amsoftmax.hpp"
#include "losses/arcface.hpp"
#include "losses/lsoftmax.hpp"
#include "losses/margin_softmax.hpp"

namespace fg {

namespace {

const std::vector<int> kClasses = {2, 3, 4, 5, 6, 8, 10, 12};
const std::vector<double> kScales = {1, 2, 4, 8, 16, 32, 48, 64};
const std::vector<double> kTargets = {0.5, 0.9, 0.99, 0.999};
constexpr int kThetaSteps = 36;  // 0, 5, ..., 180 degrees

struct PlayLoss {
  const char* name;
  const char* label;
  std::vector<double> m;
};

const std::vector<PlayLoss>& play_losses() {
  static const std::vector<PlayLoss> v = {
      {"arcface", "ArcFace cos(theta + m)", {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.2}},
      {"cosface", "CosFace cos theta - m", {0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.0}},
      {"sphereface", "SphereFace cos(m theta), lambda = 0", {1, 2, 3, 4}},
  };
  return v;
}

TargetLogit play_target(const std::string& loss, double m) {
  if (loss == "arcface") return arcface_target(m, false);
  if (loss == "cosface") return cosine_margin_target(m);
  if (loss == "sphereface") return lsoftmax_target(int(std::lround(m)), 0);
  throw Error("margin playground: unknown loss '" + loss + "'; valid: arcface, cosface, sphereface");
}

std::string num(double v, const char* fmt = "%.5g") {
  if (!std::isfinite(v)) return "null";
  char b[32];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

template <class T>
std::string list(const std::vector<T>& v, const char* fmt = "%.5g") {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + num(double(v[i]), fmt);
  return s + "]";
}

// The smallest s in (0, 1000] with p_y(theta = 0) >= target, or NaN.
double smallest_scale(const std::string& loss, double m, int K, double target) {
  const double hi_s = 1000;
  if (playground_py(loss, m, K, hi_s, 0) < target) return NAN;
  double lo = 0, hi = hi_s;
  for (int it = 0; it < 60; ++it) {
    const double mid = 0.5 * (lo + hi);
    (playground_py(loss, m, K, mid, 0) >= target ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace

double playground_py(const std::string& loss, double m, int K, double s, double theta) {
  if (K < 2) throw Error("margin playground: K = " + std::to_string(K) + " classes; need at least 2");
  Tensor c({1, K});
  for (int k = 0; k < K; ++k) c[k] = real(std::cos(2 * M_PI * k / K - theta));
  NoGrad off;
  const Var L = margin_softmax(constant(c), constant(Tensor::scalar(real(s))), {0}, play_target(loss, m));
  return std::exp(-double(L.value().item()));
}

TargetRow target_row(const TargetLogit& t, double theta, double s, int K, double c_other) {
  if (K < 2) throw Error("target_row: K = " + std::to_string(K) + " classes; need at least 2");
  Tensor c({1, K}, real(c_other));
  c[0] = real(std::cos(theta));
  Var cos_theta = param(c);
  Var L = margin_softmax(cos_theta, constant(Tensor::scalar(real(s))), {0}, t);
  backward(L);
  TargetRow r;
  r.psi = t.psi(std::cos(theta));
  r.p_y = std::exp(-double(L.value().item()));
  r.dL_dtheta = -std::sin(theta) * double(cos_theta.grad()[0]);
  return r;
}

std::string margin_playground_json() {
  std::vector<double> theta_deg;
  for (int t = 0; t <= kThetaSteps; ++t) theta_deg.push_back(180.0 * t / kThetaSteps);
  std::string j = "{\"K\":" + list(kClasses) + ",\"s\":" + list(kScales) + ",\"targets\":" + list(kTargets) +
                  ",\"theta_deg\":" + list(theta_deg) + ",\"losses\":[";
  bool first = true;
  for (const PlayLoss& L : play_losses()) {
    j += std::string(first ? "" : ",") + "{\"name\":\"" + L.name + "\",\"label\":\"" + L.label +
         "\",\"m\":" + list(L.m);
    first = false;
    // psi[mi][ti]
    std::string psi = "[", py = "[", smin = "[";
    for (size_t mi = 0; mi < L.m.size(); ++mi) {
      const TargetLogit t = play_target(L.name, L.m[mi]);
      std::vector<double> row;
      for (double d : theta_deg) row.push_back(t.psi(std::cos(d * M_PI / 180)));
      psi += (mi ? "," : "") + list(row);
    }
    // py[Ki][si][mi][ti], smin[Ki][mi][targeti]
    for (size_t ki = 0; ki < kClasses.size(); ++ki) {
      py += ki ? ",[" : "[";
      for (size_t si = 0; si < kScales.size(); ++si) {
        py += si ? ",[" : "[";
        for (size_t mi = 0; mi < L.m.size(); ++mi) {
          std::vector<double> row;
          for (double d : theta_deg)
            row.push_back(playground_py(L.name, L.m[mi], kClasses[ki], kScales[si], d * M_PI / 180));
          py += (mi ? "," : "") + list(row, "%.4g");
        }
        py += "]";
      }
      py += "]";
      smin += ki ? ",[" : "[";
      for (size_t mi = 0; mi < L.m.size(); ++mi) {
        std::vector<double> row;
        for (double p : kTargets) row.push_back(smallest_scale(L.name, L.m[mi], kClasses[ki], p));
        smin += (mi ? "," : "") + list(row, "%.4g");
      }
      smin += "]";
    }
    j += ",\"psi\":" + psi + "]" + ",\"py\":" + py + "]" + ",\"smin\":" + smin + "]}";
  }
  return j + "]}";
}

}  // namespace fg
