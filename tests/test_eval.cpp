// Verification, identification and the similarity they start from, on
// hand-made sets whose answers are worked out in the comments.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <vector>

#include "core/eval/identification.hpp"
#include "core/eval/similarity.hpp"
#include "core/eval/verification.hpp"
#include "tests/eval_test_util.hpp"
#include "core/random.hpp"

using namespace fg;
using fg_test::scored;

namespace {
const double kTol = sizeof(real) == 4 ? 1e-5 : 1e-12;
}  // namespace

TEST_CASE("eval: cosine_similarity matches a naive loop", "[eval]") {
  Rng rng(3);
  Tensor A = Tensor::randn({37, 13}, rng), B = Tensor::randn({29, 13}, rng);
  for (int k = 0; k < 13; ++k) B.at(5, k) = 0;  // a zero row scores 0
  const Tensor S = cosine_similarity(A, B);
  REQUIRE(S.shape() == Shape{37, 29});
  for (int i = 0; i < 37; ++i)
    for (int j = 0; j < 29; ++j) {
      double dot = 0, na = 0, nb = 0;
      for (int k = 0; k < 13; ++k) {
        dot += double(A.at(i, k)) * B.at(j, k);
        na += double(A.at(i, k)) * A.at(i, k);
        nb += double(B.at(j, k)) * B.at(j, k);
      }
      const double want = nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
      REQUIRE(std::fabs(S.at(i, j) - want) < kTol);
    }
  REQUIRE_THROWS_WITH(cosine_similarity(A, Tensor({3, 12})),
                      Catch::Contains("cosine_similarity") && Catch::Contains("[3, 12]"));
  REQUIRE_THROWS_WITH(cosine_similarity(A, Tensor({0, 13})), Catch::Contains("empty"));
  Tensor bad = A.clone();
  bad.at(4, 2) = std::nan("");
  REQUIRE_THROWS_WITH(cosine_similarity(bad, B), Catch::Contains("row 4"));
}

TEST_CASE("eval: classify is argmax_i <W_i, h> + b_i", "[eval]") {
  // W = I, h = (1, 0.8): logits (1, 0.8) -> class 0; with b = (0, 0.5): (1, 1.3) -> class 1.
  // h = (-1, -2): logits (-1, -2) -> 0; with b: (-1, -1.5) -> 0.
  const Tensor W = Tensor::from({2, 2}, {1, 0, 0, 1}), H = Tensor::from({2, 2}, {1, 0.8, -1, -2});
  REQUIRE(classify(H, W) == std::vector<int>{0, 0});
  REQUIRE(classify(H, W, Tensor::from({2}, {0, 0.5})) == std::vector<int>{1, 0});
  REQUIRE_THROWS_WITH(classify(H, W, Tensor::from({3}, {0, 0, 0})), Catch::Contains("bias"));
  REQUIRE_THROWS_WITH(classify(H, Tensor({2, 3})), Catch::Contains("[2, 3]"));
}

TEST_CASE("eval: perfectly separated scores give EER 0 and TAR 1", "[eval]") {
  // Every genuine score (0.6..0.95) is above every impostor score (-0.5..0.5),
  // so the threshold 0.6 accepts all genuine pairs and no impostor pair.
  std::vector<double> gen, imp;
  for (int k = 0; k < 8; ++k) gen.push_back(0.6 + 0.05 * k);
  for (int k = 0; k < 2000; ++k) imp.push_back(-0.5 + 1.0 * k / 1999);
  const auto pairs = scored(gen, imp);
  for (double far : {1e-1, 1e-2, 1e-3}) {
    const TarAtFar t = tar_at_far(pairs, far);
    CHECK(t.tar == 1.0);
    CHECK(t.far == 0.0);
    CHECK(t.threshold == Approx(0.6));
  }
  CHECK(equal_error_rate(pairs).eer == 0.0);
  const auto roc = roc_curve(pairs);
  CHECK(roc.front().far == 0);
  CHECK(roc.front().tar == 0);
  CHECK(roc.back().far == 1);
  CHECK(roc.back().tar == 1);
}

TEST_CASE("eval: identical genuine and impostor scores give EER near 0.5", "[eval]") {
  // The same scores on both sides: FAR(t) = TAR(t) at every t, the ROC is the
  // diagonal and meets TAR = 1 - FAR at exactly 0.5.
  std::vector<double> same;
  for (int k = 0; k < 101; ++k) same.push_back(std::sin(0.37 * k));
  CHECK(equal_error_rate(scored(same, same)).eer == Approx(0.5).margin(1e-12));
  // Two independent draws of one distribution: close to 0.5, not equal.
  Rng rng(11);
  std::vector<double> g, i;
  for (int k = 0; k < 3000; ++k) g.push_back(rng.normal()), i.push_back(rng.normal());
  CHECK(std::fabs(equal_error_rate(scored(g, i)).eer - 0.5) < 0.04);
  CHECK(tar_at_far(scored(g, i), 0.1).tar == Approx(0.1).margin(0.04));
}

TEST_CASE("eval: ROC, TAR at FAR and EER on a hand-made score set", "[eval]") {
  // genuine {0.9, 0.8, 0.7, 0.4}, impostor {0.75, 0.5, 0.3, 0.2, 0.1}.
  // Accepting s >= t, from the top (FAR over 5 impostors, TAR over 4 genuine):
  //   t:   inf  0.9  0.8  0.75 0.7  0.5  0.4  0.3  0.2  0.1
  //   FAR: 0    0    0    1/5  1/5  2/5  2/5  3/5  4/5  1
  //   TAR: 0    1/4  2/4  2/4  3/4  3/4  1    1    1    1
  // TAR@FAR=0.1: no false accept allowed (0.1*5 < 1) -> t = 0.8, TAR 0.5.
  // TAR@FAR=0.2: one allowed -> t = 0.7, TAR 0.75. TAR@FAR=0.4 -> t = 0.4, TAR 1.
  // EER: FAR + TAR - 1 is -0.05 at t = 0.7 and +0.15 at t = 0.5, so the
  // crossing is a quarter of the way: FAR = 0.2 + 0.25 * 0.2 = 0.25 (= FRR).
  const auto pairs = scored({0.9, 0.8, 0.7, 0.4}, {0.75, 0.5, 0.3, 0.2, 0.1});
  const auto roc = roc_curve(pairs);
  REQUIRE(roc.size() == 10);
  const double far[] = {0, 0, 0, .2, .2, .4, .4, .6, .8, 1};
  const double tar[] = {0, .25, .5, .5, .75, .75, 1, 1, 1, 1};
  for (int k = 0; k < 10; ++k) {
    CHECK(roc[k].far == Approx(far[k]));
    CHECK(roc[k].tar == Approx(tar[k]));
  }
  CHECK(std::isinf(roc[0].threshold));
  CHECK(roc[5].threshold == 0.5);
  TarAtFar t = tar_at_far(pairs, 0.1);
  CHECK(t.tar == 0.5);
  CHECK(t.threshold == 0.8);
  t = tar_at_far(pairs, 0.2);
  CHECK(t.tar == 0.75);
  CHECK(t.far == Approx(0.2));
  CHECK(t.threshold == 0.7);
  CHECK(tar_at_far(pairs, 0.4).tar == 1.0);
  const EqualErrorRate e = equal_error_rate(pairs);
  CHECK(e.eer == Approx(0.25));
  CHECK(e.threshold == 0.5);
  // Nothing accepted: a target below 1/5 on top scores that are impostors.
  t = tar_at_far(scored({0.1}, {0.9, 0.2}), 0.01);
  CHECK(t.tar == 0);
  CHECK(std::isinf(t.threshold));
  REQUIRE_THROWS_WITH(tar_at_far(pairs, 0), Catch::Contains("far_target"));
  REQUIRE_THROWS_WITH(roc_curve(scored({0.3}, {})), Catch::Contains("no impostor"));
  REQUIRE_THROWS_WITH(equal_error_rate({}), Catch::Contains("no scored pairs"));
}

TEST_CASE("eval: LFW 10-fold protocol", "[eval]") {
  // Separable: genuine in [0.6, 0.9], impostor in [-0.4, 0.4]; every fold's
  // threshold lies in the gap, so every held-out fold is fully right.
  Rng rng(5);
  std::vector<double> gen, imp;
  for (int k = 0; k < 40; ++k) gen.push_back(rng.uniform(0.6, 0.9));
  for (int k = 0; k < 70; ++k) imp.push_back(rng.uniform(-0.4, 0.4));
  LfwResult r = lfw_protocol(scored(gen, imp));
  REQUIRE(r.accuracy.size() == 10);
  CHECK(r.mean_accuracy == 1.0);
  CHECK(r.std_accuracy == 0.0);
  for (double t : r.threshold) CHECK((t > 0.4 && t < 0.6));
  // 10 genuine and 10 impostors, one of each per fold; genuine 3 (fold 3)
  // scores below every impostor. Fold 3 trains on separable pairs and then
  // rejects its genuine pair: accuracy 1/2. Every other fold leaves the low
  // genuine pair out of its threshold (taking it would accept 9 impostors)
  // and is fully right. Mean (9 + 0.5)/10 = 0.95; std
  // sqrt((9 * 0.05^2 + 0.45^2) / 10) = sqrt(0.0225) = 0.15.
  gen.assign({0.9, 0.85, 0.8, -0.9, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5});
  imp.assign({0.1, 0.0, -0.1, -0.2, -0.3, 0.2, 0.3, -0.4, 0.15, 0.05});
  r = lfw_protocol(scored(gen, imp));
  for (int f = 0; f < 10; ++f) CHECK(r.accuracy[f] == (f == 3 ? 0.5 : 1.0));
  CHECK(r.mean_accuracy == Approx(0.95));
  CHECK(r.std_accuracy == Approx(0.15));
  REQUIRE_THROWS_WITH(lfw_protocol(scored({0.5, 0.6}, imp)), Catch::Contains("10 genuine"));
}

TEST_CASE("eval: make_pairs and score_pairs", "[eval]") {
  // Labels {0,0,1,1,1,2}: genuine pairs C(2,2) + C(3,2) = 4, impostor pairs
  // C(6,2) - 4 = 11.
  const std::vector<int> y{0, 0, 1, 1, 1, 2};
  Rng rng(7);
  const auto all = make_pairs(y, kAllPairs, rng);
  int genuine = 0;
  for (const Pair& p : all) {
    CHECK(p.i < p.j);
    CHECK(p.same == (y[p.i] == y[p.j]));
    genuine += p.same;
  }
  CHECK(genuine == 4);
  CHECK(all.size() == 15);
  for (int count : {3, 8}) {  // the rejection path and the enumeration path
    Rng r1(9), r2(9);
    const auto a = make_pairs(y, count, r1), b = make_pairs(y, count, r2);
    std::set<std::pair<int, int>> seen;
    for (const Pair& p : a) seen.insert({p.i, p.j});
    CHECK(a.size() == size_t(4 + count));
    CHECK(seen.size() == a.size());
    for (size_t k = 0; k < a.size(); ++k) CHECK((a[k].i == b[k].i && a[k].j == b[k].j));
  }
  REQUIRE_THROWS_WITH(make_pairs(y, 12, rng), Catch::Contains("only 11"));
  // Rows (3, 4) and (4, 3): cos = 24 / 25 = 0.96; (3, 4) and (-4, 3): 0.
  const Tensor H = Tensor::from({3, 2}, {3, 4, 4, 3, -4, 3});
  const auto s = score_pairs(H, {{0, 1, true}, {0, 2, false}});
  CHECK(s[0].score == Approx(0.96).epsilon(1e-6));
  CHECK(s[1].score == Approx(0).margin(1e-6));
  REQUIRE_THROWS_WITH(score_pairs(H, {{0, 3, true}}), Catch::Contains("(0, 3)"));
}

namespace {
// A unit vector at cosine x with (1, 0) and negative y: its similarities to
// the gallery (1, 0), (0, 1), (-1, 0) are (x, -sqrt(1 - x^2), -x), so for
// x >= 0 its best score is exactly x.
void push_below(std::vector<real>& v, double x) {
  v.push_back(real(x));
  v.push_back(real(-std::sqrt(1 - x * x)));
}
}  // namespace

TEST_CASE("eval: closed-set and open-set identification on a tiny gallery", "[eval]") {
  // Gallery: identity 10 at (1, 0), 20 at (0, 1), 30 at (-1, 0).
  const Gallery g = enroll(Tensor::from({3, 2}, {1, 0, 0, 1, -1, 0}), {10, 20, 30},
                           Enrollment::first_image);
  // Mated probes and their scores against (10, 20, 30):
  //   (1, 0)      label 10: (1, 0, -1)        rank 1, score 1
  //   (0.6, 0.8)  label 20: (0.6, 0.8, -0.6)  rank 1, score 0.8
  //   (-0.6, 0.8) label 30: (-0.6, 0.8, 0.6)  rank 2 (20 wins)
  //   (0.6, -0.8) label 10: (0.6, -0.8, -0.6) rank 1, score 0.6
  const Tensor mated = Tensor::from({4, 2}, {1, 0, 0.6, 0.8, -0.6, 0.8, 0.6, -0.8});
  const std::vector<int> labels{10, 20, 30, 10};
  const Tensor Sm = identity_scores(g, mated);
  // CMC: ranks {1, 1, 2, 1} -> rank-1 3/4, rank-2 and rank-3 1.
  const auto cmc = cmc_curve(Sm, labels, g);
  REQUIRE(cmc.size() == 3);
  CHECK(cmc[0] == 0.75);
  CHECK(cmc[1] == 1.0);
  CHECK(rank_k(cmc, 1) == 0.75);
  CHECK(rank_k(cmc, 5) == 1.0);
  // 10 non-mated probes with best scores 0.9 0.7 0.5 0.4 0.3 0.2 0.15 0.1 0.05 0.
  std::vector<real> v;
  for (double x : {0.9, 0.7, 0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.0}) push_below(v, x);
  const Tensor Sn = identity_scores(g, Tensor::from({10, 2}, v));
  // FPIR 0.1: one of 10 may be named, so theta is just above the 2nd best,
  // 0.7; the mated probes identified above it are the first two: DIR 2/4.
  DirAtFpir d = dir_at_fpir(Sm, labels, Sn, g, 0.1);
  CHECK(d.theta > Sn.at(1, 0));  // the 0.7 probe is turned away
  CHECK(d.theta == Approx(0.7).margin(1e-6));
  CHECK(d.fpir == 0.1);
  CHECK(d.dir == 0.5);
  // FPIR 0.3: theta just above the 4th, 0.4; probes 1, 2 and 4 (0.6): DIR 3/4.
  d = dir_at_fpir(Sm, labels, Sn, g, 0.3);
  CHECK(d.theta == Approx(0.4).margin(1e-6));
  CHECK(d.fpir == Approx(0.3));
  CHECK(d.dir == 0.75);
  // FPIR 0.01: nobody may be named; theta just above 0.9 keeps probe 1: DIR 1/4.
  d = dir_at_fpir(Sm, labels, Sn, g, 0.01);
  CHECK(d.theta == Approx(0.9).margin(1e-6));
  CHECK(d.fpir == 0.0);
  CHECK(d.dir == 0.25);
  // FPIR 1: theta = -inf, DIR = rank-1 rate 3/4.
  CHECK(dir_at_fpir(Sm, labels, Sn, g, 1.0).dir == 0.75);
  REQUIRE_THROWS_WITH(cmc_curve(Sm, {10, 20, 40, 10}, g), Catch::Contains("40"));
}

TEST_CASE("eval: identify reports absence below theta", "[eval]") {
  const Gallery g = enroll(Tensor::from({3, 2}, {1, 0, 0, 1, -1, 0}), {10, 20, 30},
                           Enrollment::first_image);
  // Probe (0.6, 0.8): best identity 20 with cosine 0.8.
  const Tensor probe = Tensor::from({2}, {0.6, 0.8});
  CHECK(identify(probe, g, 0.7) == 20);
  CHECK(identify(probe, g, 0.9) == -1);
  CHECK(identify(probe.reshape({1, 2}), g, -INFINITY) == 20);
  CHECK(identify(Tensor::from({2}, {-1, 0.01}), g, 0.99) == 30);
  REQUIRE_THROWS_WITH(identify(Tensor({2, 2}), g, 0.5), Catch::Contains("[2, 2]"));
  REQUIRE_THROWS_WITH(identify(Tensor::from({3}, {1, 0, 0}), g, 0.5),
                      Catch::Contains("dimension"));
}

TEST_CASE("eval: enrollment with one image, every image, or their mean", "[eval]") {
  // Identity 7 enrolls (1, 0) and (0, 2); identity 8 enrolls (-1, -1).
  // Probe (1, 1): first image -> cos 1/sqrt2; every image -> max(1/sqrt2,
  // 1/sqrt2); mean of unit vectors (0.5, 0.5) -> cos 1.
  const Tensor H = Tensor::from({3, 2}, {1, 0, -1, -1, 0, 2});
  const std::vector<int> y{7, 8, 7};
  const Tensor probe = Tensor::from({1, 2}, {1, 1});
  const double r = 1 / std::sqrt(2.0);
  const Gallery first = enroll(H, y, Enrollment::first_image),
                every = enroll(H, y, Enrollment::every_image),
                mean = enroll(H, y, Enrollment::mean_template);
  CHECK(first.templates.size(0) == 2);
  CHECK(every.templates.size(0) == 3);
  CHECK(mean.identities == std::vector<int>{7, 8});
  CHECK(identity_scores(first, probe).at(0, 0) == Approx(r));
  CHECK(identity_scores(every, probe).at(0, 0) == Approx(r));
  CHECK(identity_scores(mean, probe).at(0, 0) == Approx(1));
  CHECK(identity_scores(mean, probe).at(0, 1) == Approx(-1));
  // Probe (0, 1): every image finds (0, 2) at cos 1; the first image only 0.
  const Tensor up = Tensor::from({1, 2}, {0, 1});
  CHECK(identity_scores(every, up).at(0, 0) == Approx(1));
  CHECK(identity_scores(first, up).at(0, 0) == Approx(0).margin(1e-7));
  REQUIRE_THROWS_WITH(enroll(H, {7, 8}, Enrollment::first_image), Catch::Contains("2 labels"));
  REQUIRE_THROWS_WITH(enroll(H, {7, -1, 7}, Enrollment::first_image),
                      Catch::Contains("negative"));
}

TEST_CASE("eval: split_identification", "[eval]") {
  // 5 identities with 4 samples each; 2 left out (8 non-mated probes), the
  // other 3 enroll 1 sample each and keep 3 as mated probes.
  std::vector<int> y;
  for (int k = 0; k < 20; ++k) y.push_back(k % 5);
  Rng rng(2);
  const IdentificationSplit s = split_identification(y, 1, 2, rng);
  CHECK(s.gallery.size() == 3);
  CHECK(s.mated.size() == 9);
  CHECK(s.nonmated.size() == 8);
  std::set<int> enrolled, absent, all;
  for (int i : s.gallery) enrolled.insert(y[i]), all.insert(i);
  for (int i : s.nonmated) absent.insert(y[i]), all.insert(i);
  for (int i : s.mated) {
    CHECK(enrolled.count(y[i]) == 1);
    all.insert(i);
  }
  CHECK(enrolled.size() == 3);
  CHECK(absent.size() == 2);
  for (int a : absent) CHECK(enrolled.count(a) == 0);
  CHECK(all.size() == 20);
  REQUIRE_THROWS_WITH(split_identification(y, 5, 0, rng), Catch::Contains("fewer than"));
  REQUIRE_THROWS_WITH(split_identification(y, 1, 5, rng), Catch::Contains("enrolled"));
}
