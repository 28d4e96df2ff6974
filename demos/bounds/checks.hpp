// The lecture's exercises checked on the real loss code (notes/exercises.md,
// worked solutions in notes/solutions.md). Each check builds the
// configuration its proof uses (a simplex equiangular tight frame, classes
// pi/2 apart, two classes at an angle alpha, ...), evaluates the loss
// through make_loss() or the node functions, and reports the bound, what the
// loss code gave, and whether the bound holds. build/bounds prints the rows
// as a table; tests/test_bounds.cpp runs the same checks in `make test`.
//
// The bounds themselves are written here from their formulas, independently
// of the loss files (alpha_low() is compared with its formula, not used as
// the reference).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

struct BoundRow {
  std::string exercise;  // which exercise, on which configuration
  std::string bound;     // the bound as a formula, with its value
  std::string measured;  // what the loss code gave
  bool holds = false;
};

// ---- the bounds, from their formulas ------------------------------------------
// log(1 + (K-1) e^{-K s / (K-1)}): NormFace's lower bound with s = l^2.
double normface_bound(int K, double s);
// 1/2 log((K-1) / (e^eps - 1)): the least alpha with L_CoCo < eps.
double coco_alpha_bound(int K, double eps);
// CosFace's least scale for a target probability P on K classes: the exact
// (K-1)/K log((K-1) P / (1-P)) and the lecture's K/(K-1) log((K-1) P / (1-P)).
double cosface_s_exact(int K, double P);
double cosface_s_lecture(int K, double P);

// K unit rows in N >= K dimensions with pairwise cosine -1/(K-1) and zero
// sum: the simplex equiangular tight frame (row j is sqrt(K/(K-1)) (e_j - 1/K)).
Tensor simplex_etf(int K, int N);

// ---- the checks, one per exercise (seeded; `trials` random configurations) ---
std::vector<BoundRow> check_normface_scaling(uint64_t seed, int trials);
std::vector<BoundRow> check_normface_etf();
std::vector<BoundRow> check_normface_random(uint64_t seed, int trials);
std::vector<BoundRow> check_coco(uint64_t seed, int trials);
std::vector<BoundRow> check_l2softmax();
std::vector<BoundRow> check_asoftmax_two_classes();
std::vector<BoundRow> check_asoftmax_many_classes();
std::vector<BoundRow> check_cosface_margin(uint64_t seed, int trials);
std::vector<BoundRow> check_cosface_scale();
std::vector<BoundRow> check_lsoftmax_margin();

// Every check above, in the order of notes/exercises.md.
std::vector<BoundRow> all_bound_checks(uint64_t seed = 1, int trials = 200);

// | exercise | bound | measured | holds | as a Markdown table.
std::string bounds_table(const std::vector<BoundRow>& rows);

// ---- shared by the checks ----------------------------------------------------
// The tolerance of a comparison in the current build: 1e-9 in double, 1e-4 in float.
double bounds_tol();
// printf-style formatting into a std::string.
std::string strf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace fg
