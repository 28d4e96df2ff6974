// Identification: "find the identity from the ID dataset, or report the
// absence". The ID dataset is a gallery of m enrolled identities; a probe x
// is answered with
//   argmax_{i in {0..m-1}} s(h(x), h_i),  or absence if max_i s(h(x), h_i) < theta,
// where s is the cosine similarity and h_i the template(s) of identity i.
//
// Closed set: every probe belongs to an enrolled identity; we ask at which
// rank its identity comes (rank-1, rank-5, the CMC curve).
// Open set: some probes ("non-mated") belong to nobody in the gallery; the
// threshold theta trades
//   FPIR(theta) = #{non-mated probes with max_i s >= theta} / #non-mated
//                 (false positive identification rate: someone is named)
//   DIR(theta)  = #{mated probes whose own identity is ranked first and has
//                   s >= theta} / #mated   (detection and identification rate)
#pragma once

#include <vector>

#include "core/tensor.hpp"

namespace fg {

class Rng;

// How an identity with several enrollment images is represented.
enum class Enrollment {
  first_image,    // one template: its first image in the given order
  every_image,    // every image is a template; s(x, identity) = max over them
  mean_template,  // one template: the mean of its L2-normalised images
};

// The enrolled ID dataset. Column j of identity_scores() is identity
// `identities[j]`; template row t belongs to column `template_column[t]`.
struct Gallery {
  Tensor templates;                  // T x N, one template per row
  std::vector<int> template_column;  // T entries, each in [0, m)
  std::vector<int> identities;       // m distinct labels, increasing
};

// Builds the gallery from enrollment embeddings H (rows) with their identity
// labels (>= 0; -1 is reserved for "absent").
Gallery enroll(const Tensor& H, const std::vector<int>& labels, Enrollment mode);

// Similarity of each probe (p x N) to each enrolled identity (p x m):
//   S_pj = max over the templates h of identity j of cos(h(x_p), h).
Tensor identity_scores(const Gallery& gallery, const Tensor& probes);

// The lecture's rule for one probe embedding ([N] or [1, N]): the label of
// argmax_i s(h(x), h_i), or -1 (absence) when that maximum is < theta.
// Exact ties go to the earliest gallery column.
int identify(const Tensor& probe, const Gallery& gallery, double theta);

// Cumulative match characteristic of mated probes: cmc[r - 1] = fraction of
// probes whose own identity has rank <= r, for r = 1..m, where
//   rank = 1 + #{identities j != own : S_pj >= S_p,own}
// (an exact tie counts against the probe). Rank-1 accuracy is cmc[0].
// `scores` comes from identity_scores; every label must be enrolled.
std::vector<double> cmc_curve(const Tensor& scores, const std::vector<int>& labels,
                              const Gallery& gallery);

// Rank-k identification rate read off a CMC curve (1 once k >= m).
double rank_k(const std::vector<double>& cmc, int k);

struct DirAtFpir {
  double fpir_target = 0;  // the FPIR asked for
  double theta = 0;        // report absence when max similarity < theta
  double fpir = 0;         // FPIR reached at theta (<= fpir_target)
  double dir = 0;          // DIR at theta
};

// DIR at FPIR = fpir_target: the smallest theta with FPIR(theta) <= target,
// which gives the largest DIR since DIR only falls as theta rises. With the
// non-mated maxima sorted decreasingly, u_1 >= u_2 >= ..., at most
// a = floor(target * #non-mated) of them may be named, so theta is the
// smallest number above u_{a+1} (theta = -infinity when a >= #non-mated).
// A mated probe counts toward DIR when its own identity is ranked first
// (strictly above every other identity) and its score is >= theta.
DirAtFpir dir_at_fpir(const Tensor& mated_scores, const std::vector<int>& mated_labels,
                      const Tensor& nonmated_scores, const Gallery& gallery, double fpir_target);

// An open-set split of a labelled evaluation set (indices into `labels`).
// `unenrolled_identities` identities, picked with `rng`, are left out of the
// gallery: all their samples are non-mated probes. Each other identity
// enrolls `enroll_per_identity` of its samples (picked with `rng`); the rest
// are its mated probes. Each list is increasing.
struct IdentificationSplit {
  std::vector<int> gallery, mated, nonmated;
};
IdentificationSplit split_identification(const std::vector<int>& labels, int enroll_per_identity,
                                         int unenrolled_identities, Rng& rng);

}  // namespace fg
