// Verification: "check if the input face is the same as the original one".
// A pair of embeddings gets a score s (the cosine similarity), and the system
// says "same person" when s >= t for a threshold t. Everything here starts
// from scored pairs (score, same?) and measures how well t can separate the
// genuine pairs (same identity) from the impostor pairs (different ones).
//
// Throughout, for a threshold t:
//   TAR(t) = #{genuine pairs with s >= t} / #genuine   (true accept rate)
//   FAR(t) = #{impostor pairs with s >= t} / #impostor (false accept rate)
//   FRR(t) = 1 - TAR(t)                                (false reject rate)
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

class Rng;

// Two rows i, j of an embedding matrix and whether they share an identity.
struct Pair {
  int i = 0, j = 0;
  bool same = false;
};

// A verification trial: the similarity of a pair and its ground truth.
struct ScoredPair {
  double score = 0;
  bool same = false;
};

// Passed as `impostor_pairs` to make_pairs: take every impostor pair.
constexpr int64_t kAllPairs = -1;

// Pairs from labelled embeddings: every genuine pair {i < j : y_i == y_j},
// plus `impostor_pairs` impostor pairs {i < j : y_i != y_j} drawn uniformly
// without replacement with `rng` (or all of them for kAllPairs). The result
// is sorted by (i, j), so it does not depend on how the sample was drawn.
std::vector<Pair> make_pairs(const std::vector<int>& labels, int64_t impostor_pairs, Rng& rng);

// The score of each pair: s = cos(h_i, h_j), the rows of H (m x N).
std::vector<ScoredPair> score_pairs(const Tensor& H, const std::vector<Pair>& pairs);

// One point of the ROC curve: the rates when accepting every score >= threshold.
struct RocPoint {
  double far = 0, tar = 0, threshold = 0;
};

// The ROC curve: (FAR(t), TAR(t), t) for t = +infinity (accept nothing, the
// point (0, 0)) and then every distinct score in decreasing order, down to the
// smallest score (accept everything, the point (1, 1)). Equal scores enter
// together, so ties make a diagonal step. FAR and TAR never decrease along it.
std::vector<RocPoint> roc_curve(const std::vector<ScoredPair>& pairs);

struct TarAtFar {
  double far_target = 0;  // the FAR asked for
  double tar = 0;         // TAR at the chosen threshold
  double far = 0;         // FAR actually reached there (<= far_target)
  double threshold = 0;   // accept s >= threshold; +infinity if nothing may be accepted
};

// TAR at FAR = far_target: the largest TAR over the ROC points whose FAR does
// not exceed the target (no interpolation between points):
//   TAR@FAR = max { TAR(t) : FAR(t) <= far_target },
// reported at the largest threshold that reaches it (so the FAR reported is
// the smallest one with that TAR).
// The comparison counts false accepts: at most floor(far_target * #impostor)
// of them, so a target below 1 / #impostor allows none (it needs at least
// 1 / far_target impostor pairs to be resolved, e.g. 1000 for FAR = 1e-3).
TarAtFar tar_at_far(const std::vector<ScoredPair>& pairs, double far_target);

struct EqualErrorRate {
  double eer = 0;        // the common value FAR = FRR
  double threshold = 0;  // the score where the ROC first reaches FAR >= FRR
};

// Equal error rate: the rate where FAR = FRR. The ROC curve is joined point
// to point by straight segments; the EER is the FAR where that polyline
// crosses the line TAR = 1 - FAR (there FAR = 1 - TAR = FRR). On the segment
// from P0 to P1 with d = FAR + TAR - 1 going from d0 < 0 to d1 >= 0:
//   lambda = -d0 / (d1 - d0),  EER = FAR0 + lambda (FAR1 - FAR0).
// Perfectly separated scores give 0; identical genuine and impostor scores
// give 0.5.
EqualErrorRate equal_error_rate(const std::vector<ScoredPair>& pairs);

struct LfwResult {
  double mean_accuracy = 0, std_accuracy = 0;  // over the folds; std divides by the fold count
  std::vector<double> accuracy;                // per test fold
  std::vector<double> threshold;               // chosen on the other folds
};

// The LFW protocol: split the pairs into `folds` folds (the k-th genuine pair
// and the k-th impostor pair, in the given order, go to fold k mod folds, so
// every fold has the same mix); for each fold, choose the threshold that
// maximises the accuracy
//   acc(t) = (#{genuine with s >= t} + #{impostor with s < t}) / #pairs
// on the other folds, then measure acc on the held-out fold. Candidate
// thresholds are the midpoints between consecutive distinct training scores,
// and +-infinity; among equal accuracies the largest threshold wins.
// Reports the mean and the (population) standard deviation over the folds.
// Shuffle the pairs first for a random split.
LfwResult lfw_protocol(const std::vector<ScoredPair>& pairs, int folds = 10);

}  // namespace fg
