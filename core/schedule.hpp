// Schedules: a number as a function of the iteration t = 0, 1, 2, ...
// (or of the epoch: whatever the caller counts). One type serves both the
// learning rate (optim's apply_schedule) and a loss's own
// hyper-parameters (a margin warm-up, L-Softmax's lambda). Schedules are
// pure functions of t, so resuming from a checkpoint only needs t.
//
//   constant_schedule(v)              v
//   step_schedule(v, n, gamma)        v gamma^floor(t / n)
//   multistep_schedule(v, ms, gamma)  v gamma^(number of milestones <= t)
//   cosine_schedule(v, T, v_min)      v_min + (v - v_min) (1 + cos(pi t / T)) / 2, v_min after T
//   warmup(s, n, f0)                  s(t) (f0 + (1 - f0) t / n) for t < n, s(t) after:
//                                     a linear ramp of the factor from f0 to 1, multiplied
//                                     into any schedule at the same t
//   linear_ramp(a, b, n)              a + (b - a) t / n for t < n, b after (margin warm-up)
//   power_decay(base, gamma, power, v_min)
//                                     max(v_min, base (1 + gamma t)^(-power))
//                                     (the annealing of L-Softmax's and A-Softmax's lambda)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fg {

class Schedule {
 public:
  Schedule(std::function<double(int64_t)> f, std::string text)
      : f_(std::move(f)), text_(std::move(text)) {}
  double operator()(int64_t t) const { return f_(t < 0 ? 0 : t); }
  const std::string& describe() const { return text_; }  // "cosine(0.1 -> 0 over 1000)"

 private:
  std::function<double(int64_t)> f_;
  std::string text_;
};

Schedule constant_schedule(double v);
Schedule step_schedule(double v, int64_t step, double gamma);
Schedule multistep_schedule(double v, std::vector<int64_t> milestones, double gamma);
Schedule cosine_schedule(double v, int64_t total, double v_min = 0);
Schedule warmup(Schedule after, int64_t n, double start_factor = 0.1);
Schedule linear_ramp(double a, double b, int64_t n);
Schedule power_decay(double base, double gamma, double power, double v_min);

}  // namespace fg
