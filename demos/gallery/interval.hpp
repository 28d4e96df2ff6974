// How sure a gallery number is over several seeds: the mean and a 95%
// confidence interval for it, from Student's t with n - 1 degrees of freedom
// (the spread is estimated from the same n values, so the normal 1.96 would
// be too narrow; for 3 seeds t is 4.30, for 2 seeds 12.71).
//
//   mean_interval({1, 2, 3})  ->  mean 2, half 4.303 * 1 / sqrt(3) = 2.484
//   the interval: [mean - half, mean + half]
#pragma once

#include <cmath>
#include <vector>

namespace fg {

// t_{0.975, df}: P(|T| <= t) = 0.95 for Student's t with df >= 1 degrees of
// freedom (12.706 for df = 1, 4.303 for 2, 1.960 as df grows).
double student_t95(int df);

struct MeanInterval {
  double mean = NAN;
  double half = NAN;  // half-width of the 95% interval; NaN when n < 2
  int n = 0;          // how many values were finite (a seed that stopped gives NaN)
};

// Over the finite values: mean, and t_{0.975, n-1} * sd / sqrt(n) with the
// sample standard deviation sd (divided by n - 1).
MeanInterval mean_interval(const std::vector<double>& values);

}  // namespace fg
