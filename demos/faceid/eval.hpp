// The faceid demo's measurements on one set of embeddings, built from the
// metrics of core/eval/*.hpp:
//
//   verification    all genuine pairs of the unseen classes and a seeded
//                   sample of impostor pairs, scored by cosine similarity:
//                   ROC, TAR at FAR = 1e-1, 1e-2, 1e-3, EER, the angles of
//                   both kinds of pair, and the LFW protocol (10 folds) on a
//                   balanced subsample of at most 3000 + 3000 pairs, as LFW's
//                   own 6000 pairs;
//   identification  closed set: every unseen class enrolled with the mean
//                   template of a few images, the rest are probes (rank-1,
//                   rank-5); open set: some classes left out of the gallery,
//                   their images are the non-mated probes (DIR at FPIR =
//                   1e-1, 1e-2 and the theta that gives it);
//   collapse        NC1-NC4 of training embeddings (core/eval/collapse.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/eval/collapse.hpp"
#include "core/eval/identification.hpp"
#include "core/eval/verification.hpp"
#include "core/tensor.hpp"

namespace fg {

// The operating points every table reports.
extern const double kFarTargets[3];   // 1e-1, 1e-2, 1e-3
extern const double kFpirTargets[2];  // 1e-1, 1e-2

struct VerificationSummary {
  int64_t genuine = 0, impostor = 0;
  std::vector<TarAtFar> tar;  // at kFarTargets
  EqualErrorRate eer;
  LfwResult lfw;
  int64_t lfw_pairs_each = 0;  // genuine (= impostor) pairs in the LFW subsample
  std::vector<RocPoint> roc;   // thinned for drawing (every change of more than ~0.5%)
  std::vector<double> genuine_deg, impostor_deg;  // pair angles in degrees (at most 50000 each)
};

// H (n x N) with labels (n): every genuine pair and `impostor_pairs`
// impostor pairs (all of them when fewer exist, or for kAllPairs), drawn
// with `seed`.
VerificationSummary verify_embeddings(const Tensor& H, const std::vector<int>& labels,
                                      int64_t impostor_pairs, uint64_t seed);

struct IdentificationSummary {
  int enroll_per_identity = 0;
  int closed_identities = 0, closed_probes = 0;
  double rank1 = 0, rank5 = 0;
  int open_identities = 0, unenrolled_identities = 0, mated = 0, nonmated = 0;
  std::vector<DirAtFpir> dir;  // at kFpirTargets
};

// Galleries of mean templates of `enroll_per_identity` images per identity.
// `unenrolled` identities (>= 1, fewer than the identities) are left out of
// the open-set gallery. Throws fg::Error when an identity has no image left
// to probe with.
IdentificationSummary identify_embeddings(const Tensor& H, const std::vector<int>& labels,
                                          int enroll_per_identity, int unenrolled, uint64_t seed);

// The rows of H at idx, as a new tensor.
Tensor gather_rows(const Tensor& H, const std::vector<int>& idx);

// NC1-NC4 after one epoch. W (K x N, may be empty: then NC2 of W, NC3 and NC4
// are NaN) and b (K or empty) are the classifier; classes with no sample in
// H are left out (and their rows of W with them).
struct CollapsePoint {
  int epoch = 0;
  double nc1 = 0;
  Nc2 means, classifier;
  double nc3 = 0, nc4 = 0;
  bool has_classifier = false;
  int classes = 0;  // classes present in the sample
};
CollapsePoint collapse_point(int epoch, const Tensor& H, const std::vector<int>& y, int K,
                             const Tensor& W, const Tensor& b);

}  // namespace fg
