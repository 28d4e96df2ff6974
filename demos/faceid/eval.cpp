#include "demos/faceid/eval.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "core/data/dataset.hpp"
#include "core/random.hpp"

namespace fg {

const double kFarTargets[3] = {1e-1, 1e-2, 1e-3};
const double kFpirTargets[2] = {1e-1, 1e-2};

namespace {

constexpr double kPi = 3.14159265358979323846;

// Keeps the ROC points where FAR or TAR moved by more than about 0.5% (FAR
// relative, since it is drawn on a log axis), and both ends.
std::vector<RocPoint> thin_roc(const std::vector<RocPoint>& roc) {
  std::vector<RocPoint> out;
  for (size_t i = 0; i < roc.size(); ++i) {
    const bool last = i + 1 == roc.size();
    if (!out.empty() && !last) {
      const RocPoint& p = out.back();
      const bool far_moved = roc[i].far > p.far * 1.005 + 1e-12;
      const bool tar_moved = std::fabs(roc[i].tar - p.tar) > 0.005;
      if (!far_moved && !tar_moved) continue;
    }
    out.push_back(roc[i]);
  }
  return out;
}

// At most `cap` values of `v`, every k-th one.
std::vector<double> every_kth(const std::vector<double>& v, size_t cap) {
  if (v.size() <= cap) return v;
  std::vector<double> out;
  const double step = double(v.size()) / double(cap);
  for (size_t k = 0; k < cap; ++k) out.push_back(v[size_t(k * step)]);
  return out;
}

}  // namespace

Tensor gather_rows(const Tensor& H, const std::vector<int>& idx) {
  check_dim("gather_rows", H, 2);
  const int n = H.size(0), N = H.size(1);
  Tensor out({int(idx.size()), N});
  for (size_t r = 0; r < idx.size(); ++r) {
    if (idx[r] < 0 || idx[r] >= n)
      throw Error("gather_rows: row " + std::to_string(idx[r]) + " outside [0, " +
                  std::to_string(n) + ")");
    std::memcpy(out.data() + int64_t(r) * N, H.data() + int64_t(idx[r]) * N, sizeof(real) * N);
  }
  return out;
}

VerificationSummary verify_embeddings(const Tensor& H, const std::vector<int>& labels,
                                      int64_t impostor_pairs, uint64_t seed) {
  Rng rng(derive_seed(seed, 0x7e41f));
  // Fewer impostor pairs exist than asked for: take them all.
  std::map<int, int64_t> count;
  for (int y : labels) ++count[y];
  const int64_t n = int64_t(labels.size());
  int64_t available = n * (n - 1) / 2;
  for (const auto& kv : count) available -= kv.second * (kv.second - 1) / 2;
  if (impostor_pairs >= available) impostor_pairs = kAllPairs;
  const std::vector<Pair> pairs = make_pairs(labels, impostor_pairs, rng);
  std::vector<ScoredPair> scored = score_pairs(H, pairs);
  VerificationSummary v;
  std::vector<double> gen_deg, imp_deg;
  for (const ScoredPair& p : scored) {
    const double deg = std::acos(std::max(-1.0, std::min(1.0, p.score))) * 180.0 / kPi;
    (p.same ? gen_deg : imp_deg).push_back(deg);
  }
  v.genuine = int64_t(gen_deg.size());
  v.impostor = int64_t(imp_deg.size());
  if (v.genuine == 0 || v.impostor == 0)
    throw Error("verification: " + std::to_string(v.genuine) + " genuine and " +
                std::to_string(v.impostor) +
                " impostor pairs; both kinds are needed (two images of a class, two classes)");
  v.genuine_deg = every_kth(gen_deg, 50000);
  v.impostor_deg = every_kth(imp_deg, 50000);
  for (double far : kFarTargets) v.tar.push_back(tar_at_far(scored, far));
  v.eer = equal_error_rate(scored);
  v.roc = thin_roc(roc_curve(scored));

  // LFW: a balanced random subsample, genuine and impostor alternating.
  std::vector<ScoredPair> gen, imp;
  for (const ScoredPair& p : scored) (p.same ? gen : imp).push_back(p);
  rng.shuffle(gen);
  rng.shuffle(imp);
  const size_t each = std::min<size_t>({gen.size(), imp.size(), 3000});
  std::vector<ScoredPair> lfw;
  for (size_t k = 0; k < each; ++k) {
    lfw.push_back(gen[k]);
    lfw.push_back(imp[k]);
  }
  v.lfw_pairs_each = int64_t(each);
  v.lfw = lfw_protocol(lfw, each >= 10 ? 10 : 2);
  return v;
}

IdentificationSummary identify_embeddings(const Tensor& H, const std::vector<int>& labels,
                                          int enroll_per_identity, int unenrolled, uint64_t seed) {
  Rng rng(derive_seed(seed, 0x1de47));
  IdentificationSummary s;
  s.enroll_per_identity = enroll_per_identity;

  // Closed set: everybody enrolled.
  const IdentificationSplit closed = split_identification(labels, enroll_per_identity, 0, rng);
  auto labels_at = [&](const std::vector<int>& idx) {
    std::vector<int> y;
    for (int i : idx) y.push_back(labels[i]);
    return y;
  };
  if (closed.mated.empty())
    throw Error("identification: no image is left to probe with after enrolling " +
                std::to_string(enroll_per_identity) + " per identity");
  const Gallery g =
      enroll(gather_rows(H, closed.gallery), labels_at(closed.gallery), Enrollment::mean_template);
  const std::vector<int> probe_y = labels_at(closed.mated);
  const std::vector<double> cmc =
      cmc_curve(identity_scores(g, gather_rows(H, closed.mated)), probe_y, g);
  s.closed_identities = int(g.identities.size());
  s.closed_probes = int(closed.mated.size());
  s.rank1 = rank_k(cmc, 1);
  s.rank5 = rank_k(cmc, 5);

  // Open set: `unenrolled` identities stay out of the gallery.
  const IdentificationSplit open =
      split_identification(labels, enroll_per_identity, unenrolled, rng);
  if (open.mated.empty() || open.nonmated.empty())
    throw Error("identification: the open-set split has " + std::to_string(open.mated.size()) +
                " mated and " + std::to_string(open.nonmated.size()) +
                " non-mated probes; both are needed");
  const Gallery og =
      enroll(gather_rows(H, open.gallery), labels_at(open.gallery), Enrollment::mean_template);
  const Tensor mated = identity_scores(og, gather_rows(H, open.mated));
  const Tensor nonmated = identity_scores(og, gather_rows(H, open.nonmated));
  const std::vector<int> mated_y = labels_at(open.mated);
  for (double fpir : kFpirTargets) s.dir.push_back(dir_at_fpir(mated, mated_y, nonmated, og, fpir));
  s.open_identities = int(og.identities.size());
  s.unenrolled_identities = unenrolled;
  s.mated = int(open.mated.size());
  s.nonmated = int(open.nonmated.size());
  return s;
}

CollapsePoint collapse_point(int epoch, const Tensor& H, const std::vector<int>& y, int K,
                             const Tensor& W, const Tensor& b) {
  CollapsePoint p;
  p.epoch = epoch;
  // Only the classes that have samples: relabel them 0..k-1.
  std::vector<int> to_new(K, -1), present;
  for (int c : y) {
    if (c < 0 || c >= K)
      throw Error("collapse_point: label " + std::to_string(c) + " outside [0, " +
                  std::to_string(K) + ")");
    if (to_new[c] < 0) {
      to_new[c] = 0;
      present.push_back(c);
    }
  }
  std::sort(present.begin(), present.end());
  for (size_t k = 0; k < present.size(); ++k) to_new[present[k]] = int(k);
  std::vector<int> yy;
  for (int c : y) yy.push_back(to_new[c]);
  const int k = int(present.size());
  p.classes = k;
  const ClassMeans mu = class_means(H, yy, k);
  p.nc1 = nc1_variability(H, yy, mu);
  p.means = nc2_simplex_etf(mu.centred());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  p.nc3 = p.nc4 = nan;
  p.classifier.equinorm = p.classifier.equiangularity = p.classifier.max_angle = nan;
  if (!W.empty()) {
    if (W.dim() != 2 || W.size(0) != K || W.size(1) != H.size(1))
      throw Error("collapse_point: W is " + shape_str(W.shape()) + ", expected [" +
                  std::to_string(K) + ", " + std::to_string(H.size(1)) + "]");
    const Tensor Wk = gather_rows(W, present);
    Tensor bk;
    if (!b.empty()) {
      bk = Tensor({k});
      for (int c = 0; c < k; ++c) bk[c] = b[present[c]];
    }
    const CollapseMetrics m = neural_collapse(H, yy, Wk, bk);
    p.classifier = m.nc2_classifier;
    p.nc3 = m.nc3;
    p.nc4 = m.nc4;
    p.has_classifier = true;
  }
  return p;
}

}  // namespace fg
