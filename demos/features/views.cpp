#include "demos/features/views.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/random.hpp"
#include "demos/plot/embedding_plot.hpp"
#include "demos/features/metrics.hpp"

namespace fg {

namespace {

int dim_of(const FeatureSnapshot& s) {
  if (s.H.dim() != 2 || s.H.size(0) < 1)
    throw Error("feature picture: features " + shape_str(s.H.shape()) + " (expected m x N, m >= 1)");
  return s.H.size(1);
}

bool has_w(const FeatureSnapshot& s, int N) { return s.W.dim() == 2 && s.W.size(1) == N && s.W.size(0) > 0; }
bool has_c(const FeatureSnapshot& s, int N) { return s.C.dim() == 2 && s.C.size(1) == N && s.C.size(0) > 0; }

std::function<int(double, double)> classifier(const FeatureSnapshot& s) {
  return s.scoring == Scoring::Cosine ? cosine_classifier(s.W) : linear_classifier(s.W);
}

// The view that turns the mean direction of the features toward the viewer
// (so the front of the sphere shows them), or the default view when the
// features point every way. back: the opposite side.
SphereView sphere_view(const FeatureSnapshot& s, bool back) {
  SphereView v;
  v.seed = s.seed;
  double d[3] = {0, 0, 0};
  for (int i = 0; i < s.H.size(0); ++i) {
    const double x = s.H.at(i, 0), y = s.H.at(i, 1), z = s.H.at(i, 2), n = std::sqrt(x * x + y * y + z * z);
    if (std::isfinite(n) && n > 0) d[0] += x / n, d[1] += y / n, d[2] += z / n;
  }
  const double n = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  if (n > 0.05 * s.H.size(0)) {
    // view(): x1 = cos(yaw) x + sin(yaw) z vanishes for yaw = atan2(-x, z);
    // then y' = cos(pitch) y - sin(pitch) r vanishes for pitch = atan2(y, r).
    const double yaw = std::atan2(-d[0], d[2]), r = std::hypot(d[0], d[2]);
    v.yaw_deg = yaw * 180 / M_PI, v.pitch_deg = std::atan2(d[1], r) * 180 / M_PI;
  }
  if (back) v.yaw_deg += 180, v.pitch_deg = -v.pitch_deg;
  return v;
}

}  // namespace

FeatureSnapshot thin_snapshot(const FeatureSnapshot& s) {
  const int m = s.H.size(0), N = dim_of(s);
  if (s.max_points <= 0 || m <= s.max_points) return s;
  std::vector<int> idx(static_cast<size_t>(m));
  std::iota(idx.begin(), idx.end(), 0);
  Rng rng(derive_seed(s.seed, 0x7417));
  rng.shuffle(idx);
  idx.resize(size_t(s.max_points));
  std::sort(idx.begin(), idx.end());
  FeatureSnapshot t = s;
  t.H = Tensor({s.max_points, N});
  t.y.assign(idx.size(), 0);
  for (size_t i = 0; i < idx.size(); ++i) {
    for (int k = 0; k < N; ++k) t.H.at(int(i), k) = s.H.at(idx[i], k);
    t.y[i] = s.y[size_t(idx[i])];
  }
  return t;
}

Plot raw_panel(const FeatureSnapshot& full, const std::string& title) {
  const FeatureSnapshot s = thin_snapshot(full);
  const int N = dim_of(s);
  if (N == 2) {
    Plot p = embedding_scatter(s.H, s.y, s.names, title, s.seed);
    if (has_w(s, 2)) p.regions(classifier(s));
    if (has_c(s, 2)) add_class_centres(p, s.C, "centres c_j");
    return p;
  }
  if (N == 3) return sphere_scatter(s.H, s.y, s.names, has_w(s, 3) ? &s.W : nullptr, title, sphere_view(s, false));
  Plot p = embedding_scatter(project_pca2(s.H), s.y, s.names, title, s.seed);
  p.xlabel = "principal axis 1", p.ylabel = "principal axis 2";
  return p;
}

Plot second_panel(const FeatureSnapshot& full, const std::string& title) {
  const FeatureSnapshot s = thin_snapshot(full);
  const int N = dim_of(s);
  if (N == 2) {
    NormalizedOpts o;
    o.seed = s.seed;
    Plot p = normalized_scatter(s.H, s.y, s.names, has_w(s, 2) ? &s.W : nullptr, title, o);
    if (has_w(s, 2)) p.regions(classifier(s));
    return p;
  }
  if (N == 3) return sphere_scatter(s.H, s.y, s.names, has_w(s, 3) ? &s.W : nullptr, title, sphere_view(s, true));
  const PairAngles a = pair_angles(s.H, s.y, 20000, derive_seed(s.seed, 0xa9));
  Plot p;
  p.title = title;
  p.xlabel = "angle between the two features (degrees)";
  p.ylabel = "density";
  HistOpts ho;
  ho.lo = 0, ho.hi = 180, ho.bins = 45;
  ho.colors = {Color{31, 119, 180}, Color{214, 39, 40}};
  p.histograms({a.same, a.different}, {"same class", "different classes"}, ho);
  return p;
}

Figure feature_figure(const FeatureSnapshot& s, const std::string& title, const std::string& what,
                      int panel_px) {
  const int N = dim_of(s);
  Figure fig(2, 1, panel_px, panel_px);
  fig.title = title;
  if (N == 2) {
    fig.panel(0) = raw_panel(s, what + " features");
    fig.panel(1) = second_panel(s, what + " features, normalised (h / |h|)");
  } else if (N == 3) {
    fig.panel(0) = raw_panel(s, what + " features on the sphere, facing their mean direction");
    fig.panel(1) = second_panel(s, what + " features on the sphere, from behind");
  } else {
    fig.panel(0) = raw_panel(s, what + " features: PCA projection of " + std::to_string(N) + "-D");
    fig.panel(1) = second_panel(s, what + " pair angles in " + std::to_string(N) + "-D");
  }
  return fig;
}

}  // namespace fg
