// The lab's other scenarios: the softmax classifier's bias in the 2-D
// picture, a triplet batch without positives, mining that selects nothing,
// and the center loss's centre rate alpha_c.
#include <algorithm>
#include <cmath>
#include <memory>

#include "demos/breakit/lab.hpp"
#include "losses/center.hpp"
#include "losses/mining.hpp"
#include "losses/objective.hpp"
#include "losses/registry.hpp"

namespace fg {

namespace {

LossContext lab_context(const LabSize& size) {
  LossContext ctx;
  ctx.num_classes = 10;
  ctx.dim = 2;
  ctx.seed = derive_seed(size.seed, 0x1055);
  return ctx;
}

const Tensor* find_param(const LabRun& r, const std::string& name) {
  for (const auto& [n, t] : r.loss_params)
    if (n == name) return &t;
  return nullptr;
}

// Fraction of test samples whose class, argmax_j W_j . h + b_j, changes when
// h is halved. Without a bias the regions are cones from the origin and
// nothing changes; a bias moves their apex away from it.
double changed_when_halved(const LabRun& r) {
  const Tensor& h = r.test_h;
  const Tensor* b = find_param(r, "b");
  if (h.empty()) return 0;
  const int m = h.shape()[0], n = h.shape()[1], K = r.W.shape()[0];
  int changed = 0;
  for (int i = 0; i < m; ++i) {
    int best[2] = {0, 0};
    for (int half = 0; half < 2; ++half) {
      double top = -1e300;
      for (int j = 0; j < K; ++j) {
        double z = b ? double((*b)[j]) : 0.0;
        for (int k = 0; k < n; ++k) z += double(r.W.at(j, k)) * h.at(i, k) * (half ? 0.5 : 1.0);
        if (z > top) top = z, best[half] = j;
      }
    }
    changed += best[0] != best[1];
  }
  return double(changed) / double(m);
}

Outcome softmax_bias(const LabSize& size) {
  LabSetup broken{"broken: with bias", make_loss("softmax", {{"bias", "1"}}, lab_context(size))};
  LabSetup fixed{"fixed: without bias", make_loss("softmax", {}, lab_context(size))};
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "fraction of test samples whose class changes when h is halved";
  o.broken = changed_when_halved(b);
  o.fixed = changed_when_halved(f);
  o.text = two_runs(b, f);
  if (const Tensor* bias = find_param(b, "b"))
    o.text += "  the learned bias b: " + [&] {
      std::string s;
      for (int64_t j = 0; j < bias->numel(); ++j) s += (j ? " " : "") + general((*bias)[j]);
      return s;
    }() + "\n";
  o.text += o.measured(fixed3);
  return o;
}

double zero_fraction(const LabRun& r) {
  if (r.losses.empty()) return 0;
  int zero = 0;
  for (double v : r.losses) zero += v == 0;
  return double(zero) / double(r.losses.size());
}

double no_triplet_fraction(const LabRun& r) {
  return r.losses.empty() ? 0 : double(r.steps_without_triplet) / double(r.losses.size());
}

std::string triplet_lines(const LabRun& b, const LabRun& f) {
  std::string s;
  for (const LabRun* r : {&b, &f})
    s += run_line(*r) + " (nearest class mean)\n    steps whose batch holds no triplet: " +
         fixed3(no_triplet_fraction(*r)) + "; steps with loss exactly 0: " +
         fixed3(zero_fraction(*r)) + "\n";
  return s;
}

Outcome triplet_positives(const LabSize& size) {
  LabSetup broken{"broken: shuffled batches of 6",
                  make_loss("triplet", {{"mining", "all"}}, lab_context(size)), Scoring::Cosine};
  broken.batch = 6;
  LabSetup fixed{"fixed: P x K batches, 3 identities x 2 images",
                 make_loss("triplet", {{"mining", "all"}}, lab_context(size)), Scoring::Cosine};
  fixed.pk_P = 3, fixed.pk_K = 2;
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "fraction of steps whose batch holds no triplet (no gradient at all)";
  o.broken = no_triplet_fraction(b);
  o.fixed = no_triplet_fraction(f);
  o.text = triplet_lines(b, f) + o.measured(fixed3);
  return o;
}

std::vector<int> first_labels(const LabRun& r, int n) {
  return std::vector<int>(r.test_labels.begin(),
                          r.test_labels.begin() + std::min<size_t>(n, r.test_labels.size()));
}

// How many triplets semi-hard mining (alpha 0.2, the triplet loss's) picks among
// the first n test embeddings, normalised as the loss normalises them.
size_t semihard_on_test(const LabRun& r, int n) {
  if (r.test_h.empty()) return 0;
  const std::vector<int> y = first_labels(r, n);
  const int d = r.test_h.shape()[1];
  Tensor h({int(y.size()), d});
  for (int i = 0; i < int(y.size()); ++i) {
    double nn = 0;
    for (int k = 0; k < d; ++k) nn += double(r.test_h.at(i, k)) * r.test_h.at(i, k);
    for (int k = 0; k < d; ++k) h.at(i, k) = real(r.test_h.at(i, k) / std::sqrt(std::max(nn, 1e-24)));
  }
  return semihard_triplets(h, y, real(0.2)).size();
}

Outcome mining_hard(const LabSize& size) {
  LabSetup broken{"broken: hard mining",
                  make_loss("triplet", {{"mining", "hard"}}, lab_context(size)),
                  Scoring::Cosine};
  broken.pk_P = 8, broken.pk_K = 4;
  LabSetup fixed{"fixed: semihard mining",
                 make_loss("triplet", {{"mining", "semihard"}}, lab_context(size)),
                 Scoring::Cosine};
  fixed.pk_P = 8, fixed.pk_K = 4;
  const LabRun b = lab_train(std::move(broken), size), f = lab_train(std::move(fixed), size);
  Outcome o;
  o.measure = "test accuracy (nearest class mean)";
  o.broken = b.test_accuracy;
  o.fixed = f.test_accuracy;
  o.text = triplet_lines(b, f) + "  semi-hard triplets among the first 100 test embeddings at the end: broken " +
           std::to_string(semihard_on_test(b, 100)) + ", fixed " + std::to_string(semihard_on_test(f, 100)) +
           " (of " + std::to_string(all_triplets(first_labels(b, 100)).size()) + " valid)\n" +
           o.measured(fixed3);
  return o;
}

// Centre movement per step, root mean square over the centres' entries, and
// the mean distance from each centre to its class's mean test embedding.
struct CentreTrack {
  Tensor last;
  double moved = 0;
  int steps = 0;
};

double centre_error(const LabRun& r, const Tensor& centres) {
  const Tensor* c = &centres;
  if (c->empty() || r.test_h.empty()) return 0;
  const int K = c->shape()[0], n = c->shape()[1];
  std::vector<double> sum(size_t(K) * n, 0), count(K, 0);
  for (size_t i = 0; i < r.test_labels.size(); ++i) {
    count[r.test_labels[i]] += 1;
    for (int k = 0; k < n; ++k) sum[r.test_labels[i] * n + k] += r.test_h.at(int(i), k);
  }
  double total = 0;
  int classes = 0;
  for (int j = 0; j < K; ++j) {
    if (count[j] == 0) continue;
    double d2 = 0;
    for (int k = 0; k < n; ++k) {
      const double d = c->at(j, k) - sum[j * n + k] / count[j];
      d2 += d * d;
    }
    total += std::sqrt(d2);
    ++classes;
  }
  return classes ? total / classes : 0;
}

LabRun center_run(const std::string& label, const std::string& alpha_c, const LabSize& size,
                  CentreTrack& track) {
  LabSetup setup{label, make_objective("softmax+0.1*center:alpha_c=" + alpha_c, lab_context(size))};
  auto after = [&track](Loss& loss) {
    auto& obj = dynamic_cast<Objective&>(loss);
    const Tensor c = dynamic_cast<const CenterLoss&>(*obj.term(1).loss).centers().value();
    if (!track.last.empty()) {
      double d2 = 0;
      for (int64_t i = 0; i < c.numel(); ++i) d2 += double(c[i] - track.last[i]) * (c[i] - track.last[i]);
      track.moved += std::sqrt(d2 / double(c.numel()));
      ++track.steps;
    }
    track.last = c.clone();
  };
  return lab_train(std::move(setup), size, after);
}

Outcome center_rate(const LabSize& size) {
  CentreTrack tb, tf;
  const LabRun b = center_run("broken: alpha_c = 1", "1", size, tb);
  const LabRun f = center_run("fixed: alpha_c = 0.05", "0.05", size, tf);
  Outcome o;
  o.measure = "mean centre movement per step (RMS over entries)";
  o.broken = tb.steps ? tb.moved / tb.steps : 0;
  o.fixed = tf.steps ? tf.moved / tf.steps : 0;
  o.text = two_runs(b, f) + o.measured(general) + "  mean distance from a centre to its class's mean test embedding: broken " +
           general(centre_error(b, tb.last)) + ", fixed " + general(centre_error(f, tf.last)) + "\n";
  return o;
}

}  // namespace

std::vector<Scenario> euclidean_scenarios() {
  return {
      {"softmax-bias", "the 2-D softmax picture with and without the classifier's bias",
       softmax_bias},
      {"triplet-no-positives", "triplet loss on shuffled batches too small to hold positives",
       triplet_positives},
      {"mining-hard", "triplet loss with hard mining from the first step, against semi-hard",
       mining_hard},
      {"center-rate", "center loss with the largest centre rate alpha_c = 1", center_rate},
  };
}

}  // namespace fg
