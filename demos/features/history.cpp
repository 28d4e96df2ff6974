#include "demos/features/history.hpp"

#include <cmath>

#include "demos/features/metrics.hpp"

namespace fg {

FeatureEpoch record_embeddings(const Embeddings& e, int K, int epoch) {
  FeatureEpoch r;
  r.epoch = epoch;
  if (e.has_accuracy) r.test_accuracy = e.accuracy;
  if (e.has_loss) r.test_loss = e.loss;
  if (!e.h.empty()) {
    const FeatureMetrics f = feature_metrics(e.h, e.labels, K);
    r.intra_deg = f.intra_deg, r.min_inter_deg = f.min_inter_deg, r.mean_norm = f.mean_norm;
    r.radial_spread = f.radial_spread;
  }
  return r;
}

FeatureEpoch record_epoch(const EpochStats& s, int K) {
  FeatureEpoch r = record_embeddings(s.test, K, s.epoch);
  r.train_loss = s.train_loss;
  r.train_accuracy = s.train_accuracy >= 0 ? s.train_accuracy : NAN;
  r.seconds = s.seconds, r.images_per_second = s.images_per_second;
  return r;
}

std::string record_json(const FeatureEpoch& r) {
  JsonObject o;
  o.add("epoch", r.epoch)
      .add("train_loss", r.train_loss)
      .add("train_accuracy", r.train_accuracy)
      .add("test_loss", r.test_loss)
      .add("test_accuracy", r.test_accuracy)
      .add("intra_class_angle_deg", r.intra_deg)
      .add("min_inter_class_angle_deg", r.min_inter_deg)
      .add("mean_feature_norm", r.mean_norm)
      .add("radial_spread", r.radial_spread)
      .add("train_seconds", r.seconds)
      .add("images_per_second", r.images_per_second);
  return o.str(0);
}

Figure curves_figure(const std::vector<FeatureEpoch>& history, const std::string& title) {
  std::vector<double> ep, tl, vl, ta, va, intra, inter;
  for (const FeatureEpoch& r : history) {
    ep.push_back(r.epoch);
    tl.push_back(r.train_loss), vl.push_back(r.test_loss);
    ta.push_back(r.train_accuracy), va.push_back(r.test_accuracy);
    intra.push_back(r.intra_deg), inter.push_back(r.min_inter_deg);
  }
  Figure fig(3, 1, 480, 380);
  fig.title = title;
  LineOpts lo;
  lo.markers = true;
  Plot& a = fig.panel(0);
  a.title = "loss", a.xlabel = "epoch";
  a.line(ep, tl, "train (running mean)", lo);
  a.line(ep, vl, "test", lo);
  Plot& b = fig.panel(1);
  b.title = "accuracy", b.xlabel = "epoch";
  b.line(ep, ta, "train (running)", lo);
  b.line(ep, va, "test", lo);
  Plot& c = fig.panel(2);
  c.title = "test feature angles (degrees)", c.xlabel = "epoch";
  c.line(ep, intra, "mean intra-class", lo);
  c.line(ep, inter, "min between class centres", lo);
  return fig;
}

}  // namespace fg
