#include "core/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/tensor.hpp"

namespace fg {

namespace {
std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

Schedule constant_schedule(double v) {
  return Schedule([v](int64_t) { return v; }, "constant(" + fmt(v) + ")");
}

Schedule step_schedule(double v, int64_t step, double gamma) {
  if (step < 1)
    throw Error("step_schedule: the step must be >= 1, got " + std::to_string(step));
  return Schedule([=](int64_t t) { return v * std::pow(gamma, double(t / step)); },
                  "step(" + fmt(v) + ", x" + fmt(gamma) + " every " + std::to_string(step) + ")");
}

Schedule multistep_schedule(double v, std::vector<int64_t> ms, double gamma) {
  if (!std::is_sorted(ms.begin(), ms.end()) ||
      std::adjacent_find(ms.begin(), ms.end()) != ms.end())
    throw Error("multistep_schedule: the milestones must increase strictly");
  std::string text = "multistep(" + fmt(v) + ", x" + fmt(gamma) + " at";
  for (int64_t m : ms) text += " " + std::to_string(m);
  return Schedule(
      [=](int64_t t) {
        const auto passed = std::upper_bound(ms.begin(), ms.end(), t) - ms.begin();
        return v * std::pow(gamma, double(passed));
      },
      text + ")");
}

Schedule cosine_schedule(double v, int64_t total, double v_min) {
  if (total < 1)
    throw Error("cosine_schedule: the length must be >= 1, got " + std::to_string(total));
  return Schedule(
      [=](int64_t t) {
        if (t >= total) return v_min;
        return v_min + (v - v_min) * 0.5 * (1 + std::cos(M_PI * double(t) / double(total)));
      },
      "cosine(" + fmt(v) + " -> " + fmt(v_min) + " over " + std::to_string(total) + ")");
}

Schedule warmup(Schedule after, int64_t n, double f0) {
  if (n < 0) throw Error("warmup: the length must be >= 0, got " + std::to_string(n));
  const std::string text =
      "warmup(" + std::to_string(n) + " from x" + fmt(f0) + ", then " + after.describe() + ")";
  return Schedule(
      [after = std::move(after), n, f0](int64_t t) {
        const double factor = t < n ? f0 + (1 - f0) * double(t) / double(n) : 1.0;
        return after(t) * factor;
      },
      text);
}

Schedule linear_ramp(double a, double b, int64_t n) {
  if (n < 0) throw Error("linear_ramp: the length must be >= 0, got " + std::to_string(n));
  return Schedule(
      [=](int64_t t) { return t < n ? a + (b - a) * double(t) / double(n) : b; },
      "ramp(" + fmt(a) + " -> " + fmt(b) + " over " + std::to_string(n) + ")");
}

Schedule power_decay(double base, double gamma, double power, double v_min) {
  if (!(gamma >= 0) || !(power >= 0))
    throw Error("power_decay: gamma and power must be >= 0, got gamma " + fmt(gamma) +
                ", power " + fmt(power));
  return Schedule(
      [=](int64_t t) { return std::max(v_min, base * std::pow(1 + gamma * double(t), -power)); },
      "power_decay(max(" + fmt(v_min) + ", " + fmt(base) + " (1 + " + fmt(gamma) + " t)^-" +
          fmt(power) + "))");
}

}  // namespace fg
