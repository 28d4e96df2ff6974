// The numerical torture suite's inputs and bookkeeping: batches that push
// each loss to its edges (extreme norms, angles exactly at the breakpoints of
// psi, theta + m = pi, duplicated samples, a single sample, a single class),
// the loss configurations to run them on (every registered loss, with each of
// its 0/1 switches flipped, plus the margins whose breakpoints differ), and a
// tally of cases run, finite, cleanly refused and failed.
#pragma once

#include <cmath>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "loss_test_util.hpp"
#include "losses/objective.hpp"

namespace fg_test {

const double kPi = 3.14159265358979323846;

struct LossConfig {
  std::string name;   // a registered loss, or an objective string
  LossParams params;  // empty for an objective
  bool objective = false;
  std::string label() const {
    std::string s = name;
    for (const auto& kv : params) s += " " + kv.first + "=" + kv.second;
    return s;
  }
};

// Every registered loss with its defaults, then once with each 0/1 switch
// flipped (learn_s, bias, easy_margin, normalize, sgd, ...), then the extra
// margins: lsoftmax/asoftmax m = 1..4 (lambda = 0, the pure margin), the
// other mining rules, and the three objectives of the lecture.
inline std::vector<LossConfig> torture_configs() {
  std::vector<LossConfig> out;
  for (const std::string& name : loss_names()) {
    out.push_back({name, {}});
    for (const ParamSpec& p : loss_spec(name).params) {
      const Range& r = p.range;
      if (!(r.integer && r.lo == 0 && r.hi == 1)) continue;
      out.push_back({name, {{p.key, p.default_text == "1" ? "0" : "1"}}});
    }
    if (name == "lsoftmax" || name == "asoftmax")
      for (int m = 1; m <= 4; ++m) out.push_back({name, {{"m", std::to_string(m)}, {"lambda", "0"}}});
    if (name == "triplet" || name == "tse" || name == "tpe")
      for (const char* rule : {"hard", "semihard", "easy", "batchhard"}) out.push_back({name, {{"mining", rule}}});
  }
  out.push_back({"combined", {{"m1", "4"}, {"m2", "0"}, {"m3", "0"}}});
  out.push_back({"combined", {{"m1", "2"}, {"m2", "0.5"}, {"m3", "0.3"}}});
  out.push_back({"arcface", {{"m", "1.57"}}});
  for (const char* obj : {"softmax+0.01*center", "normface+0.1*center+0.01*center_invariant",
                          "softmax+range"})
    out.push_back({obj, {}, true});
  return out;
}

inline std::unique_ptr<Loss> build(const LossConfig& c, const LossContext& ctx) {
  if (c.objective) return make_objective(c.name, ctx);
  return make_loss(c.name, c.params, ctx);
}

// Rows of t rescaled to norm `norm` (computed in double, so 1e-30 and 1e30
// are exact up to rounding of the result).
inline Tensor with_norm(Tensor t, double norm) {
  for (int i = 0; i < t.shape()[0]; ++i) {
    double s2 = 0;
    for (int k = 0; k < t.shape()[1]; ++k) s2 += double(t.at(i, k)) * t.at(i, k);
    for (int k = 0; k < t.shape()[1]; ++k) t.at(i, k) = real(t.at(i, k) * norm / std::sqrt(s2));
  }
  return t;
}

// Unit reference directions, one per class: the rows of W if the loss has
// class weights, seeded random directions otherwise.
inline std::vector<std::vector<double>> class_directions(const Tensor& W, int K, int N) {
  std::vector<std::vector<double>> d(K, std::vector<double>(N));
  const bool has_w = !W.empty() && W.shape() == Shape{K, N};
  Tensor R = has_w ? W : random_matrix(K, N, 77);
  for (int j = 0; j < K; ++j) {
    double s2 = 0;
    for (int k = 0; k < N; ++k) s2 += double(R.at(j, k)) * R.at(j, k);
    if (s2 == 0) { d[j][0] = 1; continue; }
    for (int k = 0; k < N; ++k) d[j][k] = R.at(j, k) / std::sqrt(s2);
  }
  return d;
}

// h_i at angle `a` from the direction of its class y_i, with norm r: in the
// plane of that direction and a second, seeded, direction orthogonal to it.
inline Tensor at_angle(const std::vector<std::vector<double>>& dir, const std::vector<int>& y,
                       int N, double a, double r, uint64_t seed) {
  const int m = int(y.size());
  Tensor h({m, N});
  Tensor g = random_matrix(m, N, seed);
  for (int i = 0; i < m; ++i) {
    const std::vector<double>& w = dir[y[i]];
    std::vector<double> u(N);
    double dot = 0, s2 = 0;
    for (int k = 0; k < N; ++k) dot += g.at(i, k) * w[k];
    for (int k = 0; k < N; ++k) u[k] = g.at(i, k) - dot * w[k];
    for (int k = 0; k < N; ++k) s2 += u[k] * u[k];
    for (int k = 0; k < N; ++k) h.at(i, k) = real(r * (std::cos(a) * w[k] + std::sin(a) * u[k] / std::sqrt(s2)));
  }
  return h;
}

// The angles where a target logit changes branch or reaches pi:
// k pi / m for m = 1..4, and theta = pi - m (theta + m = pi) for the additive
// margins in use (ArcFace 0.5, combined 0.3 with m1 = 1, 0.5 with m1 = 2).
inline std::vector<std::pair<std::string, double>> breakpoint_angles() {
  std::vector<std::pair<std::string, double>> out;
  std::set<std::pair<int, int>> seen;  // reduced fractions k/m
  for (int m = 1; m <= 4; ++m)
    for (int k = 0; k <= m; ++k) {
      int g = k == 0 ? m : std::__gcd(k, m);
      if (!seen.insert({k / g, m / g}).second) continue;
      out.push_back({"theta = " + std::to_string(k) + " pi/" + std::to_string(m), k * kPi / m});
    }
  out.push_back({"theta + 0.5 = pi", kPi - 0.5});
  out.push_back({"theta + 0.3 = pi", kPi - 0.3});
  out.push_back({"2 theta + 0.5 = pi", (kPi - 0.5) / 2});
  out.push_back({"theta + 1.57 = pi", kPi - 1.57});
  return out;
}

// Every torture batch for K classes in N dimensions (N >= 2), after the
// stability battery of the loss tests if `battery` (its batches hold 2K samples).
inline std::vector<BatteryCase> torture_cases(const Tensor& W, int K, int N, bool battery) {
  std::vector<BatteryCase> cases;
  const auto dir = class_directions(W, K, N);
  if (battery) {  // h = +-W_y needs rows: the reference directions stand in for a loss without W
    Tensor D({K, N});
    for (int j = 0; j < K; ++j)
      for (int k = 0; k < N; ++k) D.at(j, k) = real(dir[j][k]);
    cases = battery_cases(W.empty() ? D : W, K, N);
  }
  const int m = std::max(6, 2 * std::min(K, 3));
  const std::vector<int> y = spread_labels(m, std::min(K, m), 31);
  for (const char* norm : {"1e-30", "1e-12", "1", "1e6", "1e30"})
    cases.push_back({std::string("random batch, norms ") + norm,
                     with_norm(random_matrix(m, N, 32), std::stod(norm)), y});
  for (const auto& a : breakpoint_angles())
    for (double r : {1.0, 30.0})
      cases.push_back({a.first + ", |h| = " + std::to_string(int(r)), at_angle(dir, y, N, a.second, r, 33), y});
  Tensor dup({m, N});
  const Tensor base = random_matrix(m / 2, N, 34);
  std::vector<int> ydup(m);
  for (int i = 0; i < m; ++i) {
    for (int k = 0; k < N; ++k) dup.at(i, k) = base.at(i / 2, k);
    ydup[i] = y[i / 2];
  }
  cases.push_back({"every sample twice", dup, ydup});
  Tensor same(Shape{m, N});
  const Tensor one = random_matrix(1, N, 35);
  for (int i = 0; i < m; ++i)
    for (int k = 0; k < N; ++k) same.at(i, k) = one.at(0, k);
  cases.push_back({"one sample repeated under different labels", same, y});
  cases.push_back({"a batch of one, norm 1e-30", with_norm(random_matrix(1, N, 36), 1e-30), {0}});
  cases.push_back({"a batch of one, norm 1e30", with_norm(random_matrix(1, N, 37), 1e30), {K - 1}});
  cases.push_back({"one class, norms 1e6", with_norm(random_matrix(m, N, 38), 1e6), std::vector<int>(m, K - 1)});
  return cases;
}

// The cases that once failed in the float build: at norm 1e30, |h|^2 and
// squared distances overflow float. L-Softmax and A-Softmax gave NaN (their
// logit scale |W_j| |h_i|); they must now be finite. The centre, contrastive,
// triplet (normalize=0), TSE and TPE losses gave inf: their loss (about |h|^2
// = 1e60) has no float value, so a clear fg::Error is the right answer there.
// Listed by loss and case so that a test can hold each group to its outcome.
inline bool at_norm_1e30(const std::string& what) {
  return what == "random batch, norms 1e30" || what == "a batch of one, norm 1e30";
}
inline bool scale_is_a_norm(const std::string& label) {
  const std::string base = label.substr(0, label.find(' '));
  return base == "lsoftmax" || base == "asoftmax";
}
inline bool squares_the_norm(const std::string& label) {
  if (label.rfind("center init_from_w=1", 0) == 0) return false;  // needs another term's W
  const std::string base = label.substr(0, label.find(' '));
  for (const char* n : {"center", "contrastive", "tse", "tpe"})
    if (base == n) return true;
  return label.rfind("triplet normalize=0", 0) == 0 || label.rfind("softmax+0.01*center", 0) == 0 ||
         label.rfind("normface+0.1*center", 0) == 0;
}

// The tally, and every failure written out: loss, case, what went wrong.
struct Tally {
  int run = 0, finite = 0, errors = 0, failures = 0;
  std::vector<std::string> failed;
  std::set<std::string> error_kinds;  // "loss: message", once each

  void record(const std::string& loss, const std::string& what, Loss& l, const Tensor& h,
              const std::vector<int>& y) {
    ++run;
    try {
      const Outcome o = run_once(l, h, y);
      if (o.finite) { ++finite; return; }
      std::ostringstream s;
      s << loss << " | " << what << " | loss = " << o.value << ", max |grad| = " << o.max_grad;
      fail(s.str());
    } catch (const Error& e) {
      ++errors;
      error_kinds.insert(loss + ": " + e.what());
    } catch (const std::exception& e) {
      fail(loss + " | " + what + " | threw a non-fg::Error: " + e.what());
    }
  }
  void fail(const std::string& s) {
    ++failures;
    failed.push_back(s);
  }
  void add(const Tally& t) {
    run += t.run, finite += t.finite, errors += t.errors, failures += t.failures;
    failed.insert(failed.end(), t.failed.begin(), t.failed.end());
    error_kinds.insert(t.error_kinds.begin(), t.error_kinds.end());
  }
  std::string summary(const std::string& title) const {
    std::ostringstream s;
    s << title << ": cases run " << run << ", finite " << finite << ", errors " << errors
      << ", failures " << failures << "\n";
    for (const std::string& e : error_kinds) s << "  refused: " << e << "\n";
    for (const std::string& f : failed) s << "  FAILED: " << f << "\n";
    return s.str();
  }
};

}  // namespace fg_test
