#include "demos/gallery/interval.hpp"

#include <string>

#include "core/error.hpp"

namespace fg {

namespace {

constexpr double kPi = 3.14159265358979323846;

// P(0 < T < sqrt(df) tan(phi)) for Student's t. With t = sqrt(df) tan(phi)
// the density Gamma((df+1)/2) / (sqrt(df pi) Gamma(df/2)) (1 + t^2/df)^{-(df+1)/2} dt
// becomes c cos^{df-1}(phi) dphi with c = Gamma((df+1)/2) / (sqrt(pi) Gamma(df/2)):
// smooth on [0, pi/2), so Simpson's rule is exact to far below the digits we print.
double t_mass_to(double phi, int df) {
  const int steps = 2000;  // even
  const double h = phi / steps;
  double sum = 0;
  for (int i = 0; i <= steps; ++i) {
    const double w = (i == 0 || i == steps) ? 1 : (i % 2 ? 4 : 2);
    sum += w * std::pow(std::cos(i * h), df - 1);
  }
  const double c = std::exp(std::lgamma((df + 1) / 2.0) - std::lgamma(df / 2.0)) / std::sqrt(kPi);
  return c * sum * h / 3;
}

}  // namespace

double student_t95(int df) {
  if (df < 1) throw Error("student_t95: " + std::to_string(df) + " degrees of freedom; need at least 1");
  // P(0 < T < t) = 0.475 (the mass grows with phi): bisection on phi.
  double lo = 0, hi = kPi / 2;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (t_mass_to(mid, df) < 0.475 ? lo : hi) = mid;
  }
  return std::sqrt(double(df)) * std::tan((lo + hi) / 2);
}

MeanInterval mean_interval(const std::vector<double>& values) {
  MeanInterval r;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++r.n;
  if (r.n == 0) return r;
  r.mean = sum / r.n;
  if (r.n < 2) return r;
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - r.mean) * (v - r.mean);
  r.half = student_t95(r.n - 1) * std::sqrt(squares / (r.n - 1)) / std::sqrt(double(r.n));
  return r;
}

}  // namespace fg
