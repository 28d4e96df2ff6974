// The radial spread of demos/features/metrics.hpp on hand-made features, and
// the gallery table, gallery.json and metrics.json records that carry it.
#include <catch2/catch.hpp>
#include <cmath>

#include "demos/features/history.hpp"
#include "demos/features/metrics.hpp"
#include "demos/gallery/report.hpp"

using namespace fg;
using Catch::Matchers::Contains;

namespace {
Tensor rows(const std::vector<std::vector<double>>& r) {
  Tensor t({int(r.size()), int(r[0].size())});
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t k = 0; k < r[i].size(); ++k) t.at(int(i), int(k)) = real(r[i][k]);
  return t;
}
}  // namespace

TEST_CASE("radial spread: std of |h| over its mean within a class, averaged over classes", "[radial]") {
  // Class 0: |h| = 2 and 3 (mean 2.5, std 0.5): 0.2. Class 1: |h| = 1 and 5
  // (mean 3, std 2): 2/3. Class 2: one sample: 0. The zero row and the NaN
  // row are left out; class 3 has no samples and takes no part.
  const Tensor H = rows({{2, 0}, {0, 3}, {-1, 0}, {-5, 0}, {0, -1}, {0, 0}, {NAN, 1}});
  const std::vector<int> y = {0, 0, 1, 1, 2, 1, 2};
  const FeatureMetrics f = feature_metrics(H, y, 4);
  CHECK(f.radial_spread == Approx((0.2 + 2.0 / 3.0 + 0.0) / 3.0).margin(1e-6));

  // Features on a circle have no radial spread, whatever their angles.
  const Tensor ring = rows({{3, 0}, {0, 3}, {-3, 0}, {2.4, 1.8}, {0, -3}});
  CHECK(feature_metrics(ring, {0, 0, 1, 1, 2}, 3).radial_spread == Approx(0).margin(1e-6));

  // Spokes against blobs: a class stretched from |h| = 1 to 9 along its
  // direction (1, 5, 9: mean 5, std sqrt(32/3)) spreads more than the same
  // class pulled to |h| = 4.5, 5, 5.5 (mean 5, std sqrt(1/6)).
  const FeatureMetrics spoke = feature_metrics(rows({{1, 0}, {5, 0}, {9, 0}}), {0, 0, 0}, 1);
  const FeatureMetrics blob = feature_metrics(rows({{4.5, 0}, {5, 0}, {5.5, 0}}), {0, 0, 0}, 1);
  CHECK(spoke.radial_spread == Approx(std::sqrt(32.0 / 3.0) / 5.0).margin(1e-6));
  CHECK(blob.radial_spread == Approx(std::sqrt(1.0 / 6.0) / 5.0).margin(1e-6));
  // Scaling every feature leaves it unchanged (a ratio).
  CHECK(feature_metrics(rows({{10, 0}, {50, 0}, {90, 0}}), {0, 0, 0}, 1).radial_spread ==
        Approx(spoke.radial_spread).margin(1e-6));
}

TEST_CASE("radial spread: a column of the gallery table, gallery.json and metrics.json", "[radial]") {
  GalleryResult ok;
  ok.label = "Softmax", ok.objective = "softmax", ok.ok = true;
  ok.test_accuracy = 0.975, ok.intra_deg = 4.25, ok.min_inter_deg = 31.5, ok.radial_spread = 0.4567;
  ok.seconds = 61;
  GalleryResult bad;
  bad.label = "Broken", bad.objective = "arcface", bad.error = "NaN at step 3";
  const std::string md = gallery_markdown({ok, bad}, "# t");
  CHECK_THAT(md, Contains("| min inter-class angle | radial spread | time |"));
  CHECK_THAT(md, Contains("| 0.975 | 4.2° | 31.5° | 0.46 | 61 s |"));
  CHECK_THAT(md, Contains("stopped: NaN at step 3 | - | - | - | "));
  CHECK_THAT(gallery_json({ok}, "setup"), Contains("\"radial_spread\":0.4567,"));

  Embeddings e;
  e.h = rows({{1, 0}, {5, 0}, {9, 0}});
  e.labels = {0, 0, 0};
  const FeatureEpoch r = record_embeddings(e, 1, 0);
  CHECK(r.radial_spread == Approx(std::sqrt(32.0 / 3.0) / 5.0).margin(1e-6));
  CHECK_THAT(record_json(r), Contains("\"radial_spread\":0.65319"));
}
