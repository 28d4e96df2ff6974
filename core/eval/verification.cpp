#include "core/eval/verification.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <unordered_set>

#include "core/eval/similarity.hpp"
#include "core/random.hpp"

namespace fg {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Counts of the pairs on each side; throws unless both sides are present
// and every score is finite.
struct Sides {
  int64_t genuine = 0, impostor = 0;
};

Sides check_scored_pairs(const char* op, const std::vector<ScoredPair>& pairs) {
  if (pairs.empty()) throw Error(std::string(op) + ": no scored pairs were given");
  Sides s;
  for (size_t k = 0; k < pairs.size(); ++k) {
    if (!std::isfinite(pairs[k].score))
      throw Error(std::string(op) + ": pair " + std::to_string(k) + " has a non-finite score");
    (pairs[k].same ? s.genuine : s.impostor) += 1;
  }
  if (s.genuine == 0)
    throw Error(std::string(op) + ": no genuine pair (same identity) among " +
                std::to_string(pairs.size()) + " pairs; TAR is undefined");
  if (s.impostor == 0)
    throw Error(std::string(op) + ": no impostor pair (different identities) among " +
                std::to_string(pairs.size()) + " pairs; FAR is undefined");
  return s;
}

// The ROC as counts: accepting s >= threshold gives `fa` false accepts and
// `ta` true accepts. First point: threshold +inf, nothing accepted.
struct RocCount {
  int64_t fa = 0, ta = 0;
  double threshold = kInf;
};

std::vector<RocCount> roc_counts(std::vector<ScoredPair> pairs) {
  std::sort(pairs.begin(), pairs.end(),
            [](const ScoredPair& a, const ScoredPair& b) { return a.score > b.score; });
  std::vector<RocCount> roc{RocCount{}};
  for (size_t k = 0; k < pairs.size();) {
    RocCount p = roc.back();
    p.threshold = pairs[k].score;
    for (; k < pairs.size() && pairs[k].score == p.threshold; ++k)
      (pairs[k].same ? p.ta : p.fa) += 1;
    roc.push_back(p);
  }
  return roc;
}

// A pair with the fold it belongs to in the LFW protocol.
struct FoldedPair {
  double score;
  bool same;
  int fold;
};

// The threshold that maximises the accuracy on every fold but `held_out`
// (see lfw_protocol); `sorted` is in decreasing order of score.
double best_threshold(const std::vector<FoldedPair>& sorted, int held_out) {
  std::vector<const FoldedPair*> train;
  for (const FoldedPair& p : sorted)
    if (p.fold != held_out) train.push_back(&p);
  int64_t impostors = 0;
  for (const FoldedPair* p : train) impostors += !p->same;
  // Nothing accepted yet (t = +inf): every impostor is right, no genuine is.
  int64_t correct = impostors, best_correct = correct;
  double best_t = kInf;
  for (size_t k = 0; k < train.size();) {
    const double s = train[k]->score;
    for (; k < train.size() && train[k]->score == s; ++k) correct += train[k]->same ? 1 : -1;
    if (correct > best_correct) {
      best_correct = correct;
      best_t = k < train.size() ? 0.5 * (s + train[k]->score) : -kInf;
    }
  }
  return best_t;
}

double accuracy(const std::vector<FoldedPair>& pairs, int fold, double t) {
  int64_t correct = 0, total = 0;
  for (const FoldedPair& p : pairs)
    if (p.fold == fold) correct += (p.score >= t) == p.same, ++total;
  return double(correct) / double(total);
}

}  // namespace

std::vector<Pair> make_pairs(const std::vector<int>& labels, int64_t impostor_pairs, Rng& rng) {
  const int64_t n = int64_t(labels.size());
  if (n < 2)
    throw Error("make_pairs: need at least 2 labelled embeddings, got " + std::to_string(n));
  if (impostor_pairs < 0 && impostor_pairs != kAllPairs)
    throw Error("make_pairs: impostor_pairs must be >= 0 or kAllPairs, got " +
                std::to_string(impostor_pairs));
  std::map<int, std::vector<int>> members;
  for (int64_t i = 0; i < n; ++i) members[labels[i]].push_back(int(i));
  std::vector<Pair> out;
  int64_t genuine = 0;
  for (const auto& kv : members) {
    const std::vector<int>& idx = kv.second;
    for (size_t a = 0; a < idx.size(); ++a)
      for (size_t b = a + 1; b < idx.size(); ++b) out.push_back(Pair{idx[a], idx[b], true});
    genuine += int64_t(idx.size()) * (int64_t(idx.size()) - 1) / 2;
  }
  const int64_t total_impostor = n * (n - 1) / 2 - genuine;
  if (impostor_pairs > total_impostor)
    throw Error("make_pairs: asked for " + std::to_string(impostor_pairs) +
                " impostor pairs, but the labels allow only " + std::to_string(total_impostor));
  const bool enumerate = impostor_pairs == kAllPairs || 2 * impostor_pairs > total_impostor;
  if (enumerate) {
    std::vector<Pair> all;
    all.reserve(size_t(total_impostor));
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        if (labels[i] != labels[j]) all.push_back(Pair{i, j, false});
    if (impostor_pairs != kAllPairs) {
      // Partial Fisher-Yates: the first impostor_pairs entries are a uniform sample.
      for (int64_t k = 0; k < impostor_pairs; ++k)
        std::swap(all[k], all[k + int64_t(rng.below(uint64_t(total_impostor - k)))]);
      all.resize(size_t(impostor_pairs));
    }
    out.insert(out.end(), all.begin(), all.end());
  } else {
    // Fewer than half of the impostor pairs: draw (i, j) and reject repeats.
    std::unordered_set<int64_t> taken;
    while (int64_t(taken.size()) < impostor_pairs) {
      int64_t i = int64_t(rng.below(uint64_t(n))), j = int64_t(rng.below(uint64_t(n)));
      if (i == j || labels[i] == labels[j]) continue;
      if (i > j) std::swap(i, j);
      if (taken.insert(i * n + j).second) out.push_back(Pair{int(i), int(j), false});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Pair& a, const Pair& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
  return out;
}

std::vector<ScoredPair> score_pairs(const Tensor& H, const std::vector<Pair>& pairs) {
  check_embeddings("score_pairs", "embeddings H", H);
  if (pairs.empty()) throw Error("score_pairs: no pairs were given");
  const int m = H.size(0), N = H.size(1);
  const Tensor h = normalize_rows(H);
  std::vector<ScoredPair> out(pairs.size());
  for (size_t k = 0; k < pairs.size(); ++k) {
    const Pair& p = pairs[k];
    if (p.i < 0 || p.i >= m || p.j < 0 || p.j >= m)
      throw Error("score_pairs: pair " + std::to_string(k) + " = (" + std::to_string(p.i) + ", " +
                  std::to_string(p.j) + ") indexes outside the " + std::to_string(m) +
                  " rows of H");
    double dot = 0;
    for (int c = 0; c < N; ++c) dot += double(h.at(p.i, c)) * h.at(p.j, c);
    out[k] = ScoredPair{std::max(-1.0, std::min(1.0, dot)), p.same};
  }
  return out;
}

std::vector<RocPoint> roc_curve(const std::vector<ScoredPair>& pairs) {
  const Sides s = check_scored_pairs("roc_curve", pairs);
  std::vector<RocPoint> out;
  for (const RocCount& c : roc_counts(pairs))
    out.push_back(RocPoint{double(c.fa) / s.impostor, double(c.ta) / s.genuine, c.threshold});
  return out;
}

TarAtFar tar_at_far(const std::vector<ScoredPair>& pairs, double far_target) {
  const Sides s = check_scored_pairs("tar_at_far", pairs);
  if (!(far_target > 0 && far_target <= 1))
    throw Error("tar_at_far: far_target must lie in (0, 1], got " + std::to_string(far_target));
  // The 1e-9 absorbs rounding in far_target * #impostor (0.2 * 5 must allow 1).
  const int64_t allowed = int64_t(std::floor(far_target * double(s.impostor) + 1e-9));
  // TAR never decreases along the curve: the best point is the first one
  // with the highest TAR among those within the budget (the strictest
  // threshold that reaches it, so the smallest FAR).
  RocCount best;
  for (const RocCount& c : roc_counts(pairs))
    if (c.fa <= allowed && c.ta > best.ta) best = c;
  return TarAtFar{far_target, double(best.ta) / s.genuine, double(best.fa) / s.impostor,
                  best.threshold};
}

EqualErrorRate equal_error_rate(const std::vector<ScoredPair>& pairs) {
  const std::vector<RocPoint> roc = roc_curve(pairs);
  // d = FAR + TAR - 1 is -1 at the first point, +1 at the last, and never
  // decreases in between, so exactly one segment crosses d = 0.
  for (size_t k = 1; k < roc.size(); ++k) {
    const RocPoint &p0 = roc[k - 1], &p1 = roc[k];
    const double d0 = p0.far + p0.tar - 1, d1 = p1.far + p1.tar - 1;
    if (d1 >= 0) {
      const double lambda = -d0 / (d1 - d0);
      return EqualErrorRate{p0.far + lambda * (p1.far - p0.far), p1.threshold};
    }
  }
  throw Error("equal_error_rate: the ROC curve never reached FAR + TAR = 1");  // unreachable
}

LfwResult lfw_protocol(const std::vector<ScoredPair>& pairs, int folds) {
  const Sides s = check_scored_pairs("lfw_protocol", pairs);
  if (folds < 2) throw Error("lfw_protocol: need at least 2 folds, got " + std::to_string(folds));
  if (s.genuine < folds || s.impostor < folds)
    throw Error("lfw_protocol: " + std::to_string(folds) + " folds need at least " +
                std::to_string(folds) + " genuine and " + std::to_string(folds) +
                " impostor pairs, got " + std::to_string(s.genuine) + " and " +
                std::to_string(s.impostor));
  std::vector<FoldedPair> sorted;
  int64_t seen_genuine = 0, seen_impostor = 0;
  for (const ScoredPair& p : pairs)
    sorted.push_back({p.score, p.same, int((p.same ? seen_genuine++ : seen_impostor++) % folds)});
  std::sort(sorted.begin(), sorted.end(),
            [](const FoldedPair& a, const FoldedPair& b) { return a.score > b.score; });
  LfwResult r;
  for (int f = 0; f < folds; ++f) {
    const double t = best_threshold(sorted, f);
    r.threshold.push_back(t);
    r.accuracy.push_back(accuracy(sorted, f, t));
  }
  for (double a : r.accuracy) r.mean_accuracy += a;
  r.mean_accuracy /= folds;
  double var = 0;
  for (double a : r.accuracy) var += (a - r.mean_accuracy) * (a - r.mean_accuracy);
  r.std_accuracy = std::sqrt(var / folds);
  return r;
}

}  // namespace fg
