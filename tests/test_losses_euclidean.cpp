// The Euclidean-family loss nodes: values on tiny cases worked out by hand,
// the analytic gradient against central finite differences (tight in the
// double suite), and each node against the same formula composed from the
// primitive ops of core/ops.hpp. Empty selections give 0 and a zero gradient.
#include <catch2/catch.hpp>

#include "tests/check_util.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/gradcheck.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "losses/euclidean.hpp"
#include "losses/mining.hpp"
#include "tests/tensor_test_util.hpp"

using namespace fg;
using fg_test::rnd;

namespace {

Var cst(Shape s, std::vector<real> v) { return constant(Tensor::from(std::move(s), std::move(v))); }

// The batch every check uses: 7 samples of 3 classes (one class of one).
const std::vector<int> kY = {0, 1, 0, 2, 1, 0, 1};

struct PairIndex {
  std::vector<int> i, j;
  std::vector<real> same;  // y_ij in {0, 1}
};
PairIndex pairs_of(const std::vector<int>& y) {
  PairIndex p;
  for (int i = 0; i < int(y.size()); ++i)
    for (int j = i + 1; j < int(y.size()); ++j) {
      p.i.push_back(i);
      p.j.push_back(j);
      p.same.push_back(y[i] == y[j] ? 1 : 0);
    }
  return p;
}
Var rowsum_sq(const Var& d) { return sum(d * d, 1); }

// ---- the same formulas from primitive ops -----------------------------------
Var contrastive_composed(const Var& h, const std::vector<int>& y, real margin) {
  PairIndex p = pairs_of(y);
  const int P = int(p.i.size());
  Var same = cst({P}, p.same);
  Var d2 = rowsum_sq(rows(h, p.i) - rows(h, p.j));
  Var gap = relu(margin - sqrt(d2));
  return mean(0.5 * same * d2 + 0.5 * (1.0 - same) * gap * gap);
}
Var marginal_composed(const Var& h, const std::vector<int>& y, real theta, real xi) {
  PairIndex p = pairs_of(y);
  const int P = int(p.i.size()), m = int(y.size());
  std::vector<real> pm;
  for (real s : p.same) pm.push_back(s > 0 ? 1 : -1);
  Var d2 = rowsum_sq(rows(h, p.i) - rows(h, p.j));
  return sum(relu(xi - cst({P}, pm) * (theta - d2))) / real(m * m - m);
}
struct Abc {
  std::vector<int> a, p, n;
};
Abc split(const std::vector<Triplet>& t) {
  Abc s;
  for (const Triplet& x : t) s.a.push_back(x[0]), s.p.push_back(x[1]), s.n.push_back(x[2]);
  return s;
}
Var triplet_composed(const Var& h, const std::vector<Triplet>& t, real alpha) {
  Abc s = split(t);
  Var A = rows(h, s.a);
  return mean(relu(rowsum_sq(A - rows(h, s.p)) - rowsum_sq(A - rows(h, s.n)) + alpha));
}
Var tse_composed(const Var& hp, const std::vector<Triplet>& t, real alpha) {
  Abc s = split(t);
  Var A = rows(hp, s.a);
  return mean(relu(alpha + sum(A * rows(hp, s.n), 1) - sum(A * rows(hp, s.p), 1)));
}
Var tpe_composed(const Var& hp, const std::vector<Triplet>& t) {
  Abc s = split(t);
  Var A = rows(hp, s.a);
  Var sp = sum(A * rows(hp, s.p), 1), sn = sum(A * rows(hp, s.n), 1);
  return mean(-log(exp(sp) / (exp(sp) + exp(sn))));
}
Var center_composed(const Var& h, const Var& c, const std::vector<int>& y) {
  return sum(rowsum_sq(h - rows(c, y))) / real(2 * y.size());
}
Var center_invariant_composed(const Var& c, const std::vector<int>& y) {
  Var a = rowsum_sq(c);          // |c_j|^2, [K]
  Var e = rows(a, y) - mean(a);  // |c_{y_i}|^2 - 1/K sum_j |c_j|^2
  return mean(0.25 * e * e);
}
// Range: the selection (which pairs, which classes) made by plain loops on
// the values, the arithmetic by ops.
Var range_intra_composed(const Var& h, const std::vector<int>& y, int k) {
  std::map<int, std::vector<int>> by;
  for (int i = 0; i < int(y.size()); ++i) by[y[i]].push_back(i);
  Var total = cst({1}, {0});
  const Tensor& x = h.value();
  for (auto& [label, idx] : by) {
    std::vector<std::pair<double, std::pair<int, int>>> d;
    for (size_t u = 0; u < idx.size(); ++u)
      for (size_t v = u + 1; v < idx.size(); ++v) {
        double s = 0;
        for (int c = 0; c < x.shape()[1]; ++c) s += std::pow(x.at(idx[u], c) - x.at(idx[v], c), 2);
        d.push_back({std::sqrt(s), {idx[u], idx[v]}});
      }
    if (d.empty()) continue;
    std::sort(d.begin(), d.end(), [](auto& p, auto& q) { return p.first > q.first; });
    const int kk = std::min<int>(k, int(d.size()));
    std::vector<int> a, b;
    for (int j = 0; j < kk; ++j) a.push_back(d[j].second.first), b.push_back(d[j].second.second);
    Var D = sqrt(rowsum_sq(rows(h, a) - rows(h, b)));
    total = total + div(cst({1}, {real(kk)}), sum(pow(D, -1)));
  }
  return total;
}
Var range_inter_composed(const Var& h, const std::vector<int>& y, real margin) {
  std::map<int, std::vector<int>> by;
  for (int i = 0; i < int(y.size()); ++i) by[y[i]].push_back(i);
  std::vector<Var> means;
  for (auto& [label, idx] : by) means.push_back(mean(rows(h, idx), 0));
  Var best;
  double v = INFINITY;
  for (size_t a = 0; a < means.size(); ++a)
    for (size_t b = a + 1; b < means.size(); ++b) {
      Var d2 = sum((means[a] - means[b]) * (means[a] - means[b]));
      if (d2.value()[0] < v) v = d2.value()[0], best = d2;
    }
  return relu(margin - best);
}

const std::vector<Triplet>& some_triplets() {
  static const std::vector<Triplet> t = all_triplets(kY);  // 7 samples: 40 triplets
  return t;
}

}  // namespace

TEST_CASE("euclidean: values on cases worked out by hand", "[losses][euclidean]") {
  // Contrastive, margin 2, 1-D: pairs (0,1) same, d = 3: 9/2; (0,2) different,
  // d = 1: (2-1)^2/2 = 1/2; (1,2) different, d = 2: 0. Mean over 3 pairs: 5/3.
  Var h1 = cst({3, 1}, {0, 3, 1});
  CHECK(contrastive_loss(h1, {0, 0, 1}, 2).value()[0] == Approx(5.0 / 3));
  // Marginal on unit vectors (1,0), (0,1), (-1,0), y = 0,0,1, theta 1.2, xi 0.3:
  // (0,1) same, D = 2: 0.3 - (1.2 - 2) = 1.1; (0,2) different, D = 4:
  // 0.3 + (1.2 - 4) < 0; (1,2) different, D = 2: 0.3 + (1.2 - 2) < 0. 1.1 / (9 - 3).
  Var u = cst({3, 2}, {1, 0, 0, 1, -1, 0});
  CHECK(marginal_loss(u, {0, 0, 1}, real(1.2), real(0.3)).value()[0] == Approx(1.1 / 6));
  // Triplet on (0,0), (1,0), (0,0.5), (3,0), alpha 0.2: (0,1,2): 1 - 0.25 + 0.2 = 0.95;
  // (0,1,3): 1 - 9 + 0.2 < 0. Mean 0.475.
  Var t4 = cst({4, 2}, {0, 0, 1, 0, 0, real(0.5), 3, 0});
  CHECK(triplet_loss(t4, {{0, 1, 2}, {0, 1, 3}}, real(0.2)).value()[0] == Approx(0.475));
  // TSE and TPE on a = (1,0), p1 = (1,1), n1 = (0,1), p2 = (0,1), n2 = (2,0):
  // triplet 1: <a,n> - <a,p> = -1, triplet 2: 2 - 0 = 2.
  Var s5 = cst({4, 2}, {1, 0, 1, 1, 0, 1, 2, 0});
  const std::vector<Triplet> ts = {{0, 1, 2}, {0, 2, 3}};
  CHECK(tse_loss(s5, ts, real(0.1)).value()[0] == Approx((0 + 2.1) / 2));  // max(0, 0.1 - 1) = 0
  CHECK(tpe_loss(s5, ts).value()[0] ==
        Approx((std::log1p(std::exp(-1.0)) + std::log1p(std::exp(2.0))) / 2));
  // Center: h = (1,2), (3,4), (0,0), y = 0,0,1, c = (1,1), (2,2): 1 + 13 + 8 = 22, / (2 * 3).
  Var hc = cst({3, 2}, {1, 2, 3, 4, 0, 0}), c = cst({2, 2}, {1, 1, 2, 2});
  CHECK(center_loss(hc, c, {0, 0, 1}).value()[0] == Approx(22.0 / 6));
  // Center invariant: c = (1,0), (0,2): |c|^2 = 1, 4, mean 2.5; y = 0,0,1:
  // 1/4 (1.5^2) three times = 1.6875, / 3.
  CHECK(center_invariant_loss(cst({2, 2}, {1, 0, 0, 2}), {0, 0, 1}).value()[0] == Approx(0.5625));
  // Range: class 0 = (0,0), (3,0), (0,4): distances 3, 4, 5; k = 2: 2 / (1/5 + 1/4).
  // Class 1 = one sample: skipped. Class 2 = (10,0), (12,0): one pair, 1 / (1/2) = 2.
  Var hr = cst({6, 2}, {0, 0, 3, 0, 0, 4, 7, 7, 10, 0, 12, 0});
  const std::vector<int> yr = {0, 0, 0, 1, 2, 2};
  CHECK(range_intra(hr, yr, 2).value()[0] == Approx(2 / 0.45 + 2));
  // Means (1, 4/3), (7, 7), (11, 0); squared distances 6^2 + (17/3)^2 = 68.1,
  // 10^2 + (4/3)^2 = 101.8 and 4^2 + 7^2 = 65: the nearest are classes 1 and 2.
  CHECK(range_inter(hr, yr, 200).value()[0] == Approx(200 - 65));
  CHECK(range_inter(hr, yr, 50).value()[0] == 0);
}

TEST_CASE("euclidean: each node against finite differences", "[losses][euclidean]") {
  const Tensor h = rnd({7, 3}, 1);
  const std::vector<int> y = kY;
  // Margin 1.5 on points in [-1, 1]^3: some different-person pairs inside it, some outside.
  REQUIRE_PASSES(gradcheck([&](auto& v) { return contrastive_loss(v[0], y, real(1.5)); }, {h}));
  REQUIRE_PASSES(gradcheck([&](auto& v) { return contrastive_loss(l2_normalize(v[0]), y, 1); }, {h}));
  REQUIRE_PASSES(gradcheck(
      [&](auto& v) { return marginal_loss(l2_normalize(v[0]), y, real(1.2), real(0.3)); }, {h}));
  REQUIRE_PASSES(gradcheck(
      [&](auto& v) { return triplet_loss(l2_normalize(v[0]), some_triplets(), real(0.2)); }, {h}));
  REQUIRE_PASSES(
      gradcheck([&](auto& v) { return triplet_loss(v[0], some_triplets(), real(0.5)); }, {h}));
  const Tensor T = rnd({4, 3}, 2);
  auto proj = [](const Var& x, const Var& t) { return matmul(x, t, false, true); };
  REQUIRE_PASSES(gradcheck(
      [&](auto& v) { return tse_loss(proj(v[0], v[1]), some_triplets(), real(0.1)); }, {h, T}));
  REQUIRE_PASSES(
      gradcheck([&](auto& v) { return tpe_loss(proj(v[0], v[1]), some_triplets()); }, {h, T}));
  const Tensor c = rnd({3, 3}, 3);
  REQUIRE_PASSES(gradcheck([&](auto& v) { return center_loss(v[0], v[1], y); }, {h, c}));
  REQUIRE_PASSES(gradcheck([&](auto& v) { return center_invariant_loss(v[0], y); }, {c}));
  REQUIRE_PASSES(gradcheck([&](auto& v) { return range_intra(v[0], y, 2); }, {h}));
  REQUIRE_PASSES(gradcheck([&](auto& v) { return range_intra(v[0], y, 5); }, {h}));
  REQUIRE_PASSES(gradcheck([&](auto& v) { return range_inter(v[0], y, 10); }, {h}));
}

TEST_CASE("euclidean: each node against its primitive-op composition", "[losses][euclidean]") {
  const Tensor h = rnd({7, 3}, 4);
  const std::vector<int> y = kY;
  const std::vector<Triplet>& t = some_triplets();
  REQUIRE_PASSES(crosscheck([&](auto& v) { return contrastive_loss(v[0], y, real(1.5)); },
                        [&](auto& v) { return contrastive_composed(v[0], y, real(1.5)); }, {h}));
  REQUIRE_PASSES(crosscheck([&](auto& v) { return marginal_loss(v[0], y, real(1.2), real(0.3)); },
                        [&](auto& v) { return marginal_composed(v[0], y, real(1.2), real(0.3)); },
                        {h}));
  REQUIRE_PASSES(crosscheck([&](auto& v) { return triplet_loss(v[0], t, real(0.5)); },
                        [&](auto& v) { return triplet_composed(v[0], t, real(0.5)); }, {h}));
  REQUIRE_PASSES(crosscheck([&](auto& v) { return tse_loss(v[0], t, real(0.3)); },
                        [&](auto& v) { return tse_composed(v[0], t, real(0.3)); }, {h}));
  REQUIRE_PASSES(crosscheck([&](auto& v) { return tpe_loss(v[0], t); },
                        [&](auto& v) { return tpe_composed(v[0], t); }, {h}));
  const Tensor c = rnd({3, 3}, 5);
  REQUIRE_PASSES(crosscheck([&](auto& v) { return center_loss(v[0], v[1], y); },
                        [&](auto& v) { return center_composed(v[0], v[1], y); }, {h, c}));
  REQUIRE_PASSES(crosscheck([&](auto& v) { return center_invariant_loss(v[0], y); },
                        [&](auto& v) { return center_invariant_composed(v[0], y); }, {c}));
  for (int k : {1, 2, 3, 6})
    REQUIRE_PASSES(crosscheck([&](auto& v) { return range_intra(v[0], y, k); },
                          [&](auto& v) { return range_intra_composed(v[0], y, k); }, {h}));
  REQUIRE_PASSES(crosscheck([&](auto& v) { return range_inter(v[0], y, 10); },
                        [&](auto& v) { return range_inter_composed(v[0], y, 10); }, {h}));
}

TEST_CASE("euclidean: nothing selected gives loss 0 and gradient 0", "[losses][euclidean]") {
  auto zero_everywhere = [](const Var& h, const Var& loss) {
    REQUIRE(loss.value()[0] == 0);
    backward(loss);
    const Tensor g = h.grad();
    for (int64_t i = 0; i < g.numel(); ++i) REQUIRE(g[i] == 0);
  };
  const Tensor x = rnd({4, 2}, 6);
  {
    Var h = param(x.clone());
    zero_everywhere(h, triplet_loss(h, {}, real(0.2)));
  }
  {
    Var h = param(x.clone());
    zero_everywhere(h, tse_loss(h, {}, real(0.1)));
  }
  {
    Var h = param(x.clone());
    zero_everywhere(h, tpe_loss(h, {}));
  }
  {  // a single sample: no pair
    Var h = param(rnd({1, 2}, 7));
    zero_everywhere(h, contrastive_loss(h, {0}, 1));
  }
  {
    Var h = param(rnd({1, 2}, 7));
    zero_everywhere(h, marginal_loss(h, {0}, real(1.2), real(0.3)));
  }
  {  // every class alone: no intra pair; one class: no inter pair
    Var h = param(x.clone());
    zero_everywhere(h, range_intra(h, {0, 1, 2, 3}, 2));
  }
  {
    Var h = param(x.clone());
    zero_everywhere(h, range_inter(h, {1, 1, 1, 1}, 100));
  }
  // Wrong triplet indices are named errors.
  REQUIRE_THROWS_WITH(triplet_loss(constant(x), {{0, 1, 9}}, 1),
                      Catch::Contains("triplet_loss") && Catch::Contains("row 0"));
  REQUIRE_THROWS_WITH(contrastive_loss(constant(x), {0, 1}, 1), Catch::Contains("2 labels for 4"));
}
