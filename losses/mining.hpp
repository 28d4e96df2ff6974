// Triplet selection (lecture, "Triplet selection process"): which triplets
// (anchor a, positive p, negative n) of a batch the triplet losses use.
// y_a = y_p, a != p, y_n != y_a for every triplet returned. Distances are
// squared Euclidean distances of the rows given, d_ap = |h_a - h_p|^2, the
// quantity the triplet loss compares, so a caller that normalises first
// passes the normalised rows.
//
//   all        every valid triplet
//   hard       d_an < d_ap                      (the negative is nearer)
//   semihard   d_ap <= d_an < d_ap + alpha      (not nearer, but inside the margin)
//   easy       d_an >= d_ap + alpha             (the loss is zero)
//   batchhard  per anchor, its farthest positive and its nearest negative
//
// Each function returns the triplets it picked in a fixed order (anchor,
// then positive, then negative, increasing), so demos can count them.
//
// The rules only compare d_ap with d_an, so they work on any dissimilarity
// table: select_triplets_by() takes one (m x m, row a holds d_a.). The
// inner-product losses (tse, tpe) pass d_aj = -<h'_a, h'_j>, for which
// "easy" is again exactly "the TSE hinge is closed".
#pragma once

#include <string>
#include <vector>

#include "losses/loss.hpp"

namespace fg {

enum class Mining { All, Hard, SemiHard, Easy, BatchHard };

// "all", "hard", "semihard", "easy", "batchhard"; anything else is an fg::Error
// that lists these.
Mining parse_mining(const std::string& name);
std::vector<std::string> mining_words();  // those five, in that order
const char* mining_name(Mining mode);

std::vector<Triplet> all_triplets(const std::vector<int>& y);
std::vector<Triplet> hard_triplets(const Tensor& h, const std::vector<int>& y);
std::vector<Triplet> semihard_triplets(const Tensor& h, const std::vector<int>& y, real alpha);
std::vector<Triplet> easy_triplets(const Tensor& h, const std::vector<int>& y, real alpha);
// Ties go to the smaller index. Anchors with no positive or no negative give none.
std::vector<Triplet> batch_hard_triplets(const Tensor& h, const std::vector<int>& y);

// The triplets of `mode` (alpha is used by semihard and easy only), on
// squared Euclidean distances of the rows of h ...
std::vector<Triplet> select_triplets(Mining mode, const Tensor& h, const std::vector<int>& y,
                                     real alpha);
// ... or on a given m x m dissimilarity table d (d[a * m + j]).
std::vector<Triplet> select_triplets_by(Mining mode, const std::vector<double>& d,
                                        const std::vector<int>& y, real alpha);

}  // namespace fg
