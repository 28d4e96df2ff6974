// Verification and identification exactly at their ties and thresholds:
// the conventions written in core/eval/verification.hpp and
// identification.hpp, on score sets small enough to work by hand.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/eval/collapse.hpp"
#include "core/eval/identification.hpp"
#include "core/eval/similarity.hpp"
#include "core/eval/verification.hpp"
#include "tests/eval_test_util.hpp"

using namespace fg;
using fg_test::scored;

TEST_CASE("eval: an ROC that meets FAR + TAR = 1 at a point gives that point's threshold",
          "[eval]") {
  // genuine {0.9, 0.6}, impostor {0.7, 0.2}; accepting s >= t:
  //   t:   inf  0.9  0.7  0.6  0.2
  //   FAR: 0    0    1/2  1/2  1
  //   TAR: 0    1/2  1/2  1    1
  // FAR + TAR - 1 is exactly 0 at t = 0.7: EER = FAR = FRR = 1/2 there, and
  // 0.7 is the first score where FAR >= FRR (not 0.6, where the curve leaves).
  const EqualErrorRate e = equal_error_rate(scored({0.9, 0.6}, {0.7, 0.2}));
  CHECK(e.eer == 0.5);
  CHECK(e.threshold == 0.7);
}

TEST_CASE("eval: TAR@FAR at its budget and at a tie of TAR", "[eval]") {
  // genuine {0.9, 0.85}, impostor {0.8, 0.5, 0.3, 0.2, 0.1}: TAR is 1 from
  // t = 0.85 (FAR 0) on; at FAR = 0.2 one false accept is allowed, yet the
  // strictest threshold with TAR 1 is 0.85, where FAR is 0, not 0.8 (FAR 1/5).
  const TarAtFar t = tar_at_far(scored({0.9, 0.85}, {0.8, 0.5, 0.3, 0.2, 0.1}), 0.2);
  CHECK(t.tar == 1);
  CHECK(t.far == 0);
  CHECK(t.threshold == 0.85);
  // 0.58 x 50 is 28.999999999999996 in double, but the budget is 29 false
  // accepts. Impostors 0.01 k (k = 1..50): the 29 largest are 0.22 .. 0.50;
  // a genuine pair at 0.215 is accepted with exactly those 29: TAR 2/2.
  std::vector<double> imp;
  for (int k = 1; k <= 50; ++k) imp.push_back(0.01 * k);
  const TarAtFar r = tar_at_far(scored({0.9, 0.215}, imp), 0.58);
  CHECK(r.tar == 1);
  CHECK(r.far == 29.0 / 50);
  CHECK(r.threshold == 0.215);
}

TEST_CASE("eval: LFW keeps the largest of equally good thresholds", "[eval]") {
  // Two folds; the k-th genuine and k-th impostor pair go to fold k mod 2.
  //   fold 0: genuine 0.9, 0.7   impostor 0.8, 0.1
  //   fold 1: genuine 0.95, 0.6  impostor 0.5, 0.0
  // Held-out fold 1, trained on fold 0 (scores 0.9 G, 0.8 I, 0.7 G, 0.1 I):
  // right answers 2 at t = inf, 3 below 0.9, 2 below 0.8, 3 again below 0.7.
  // The tie goes to the larger threshold, (0.9 + 0.8) / 2 = 0.85, where
  // fold 1 gets 0.95, 0.5 and 0.0 right: 3/4.
  // Held-out fold 0, trained on fold 1: best 4 right at (0.6 + 0.5) / 2 =
  // 0.55, where fold 0 gets 0.9, 0.7 and 0.1 right: 3/4.
  const LfwResult r = lfw_protocol(scored({0.9, 0.95, 0.7, 0.6}, {0.8, 0.5, 0.1, 0.0}), 2);
  REQUIRE(r.threshold.size() == 2);
  CHECK(r.threshold[0] == Approx(0.55).epsilon(1e-12));
  CHECK(r.threshold[1] == Approx(0.85).epsilon(1e-12));
  CHECK(r.accuracy[0] == 0.75);
  CHECK(r.accuracy[1] == 0.75);
  CHECK(r.std_accuracy == 0);
}

TEST_CASE("eval: identification at exact ties and at theta", "[eval]") {
  // Gallery 10 at (1, 0), 20 at (0, 1), 30 at (-1, 0). Probe (1, 1)/sqrt2
  // scores 1/sqrt2 against 10 and 20 alike (and -1/sqrt2 against 30).
  const Gallery g =
      enroll(Tensor::from({3, 2}, {1, 0, 0, 1, -1, 0}), {10, 20, 30}, Enrollment::first_image);
  const Tensor probe = Tensor::from({1, 2}, {1, 1});
  // Exact ties go to the earliest gallery column; theta equal to the best
  // score still names it (absence only below theta). Read theta back from
  // the scores, so it equals the best score bit for bit.
  const Tensor S = identity_scores(g, probe);
  CHECK(S.at(0, 0) == S.at(0, 1));
  CHECK(identify(probe, g, -1) == 10);
  CHECK(identify(probe, g, double(S.at(0, 0))) == 10);
  CHECK(identify(probe, g, std::nextafter(double(S.at(0, 0)), 2.0)) == -1);
  // Rank: a tie counts against the probe, labelled 10 or 20 it is rank 2.
  const Tensor two = Tensor::from({2, 2}, {1, 1, 1, 1});
  const auto cmc = cmc_curve(identity_scores(g, two), {10, 20}, g);
  CHECK(cmc[0] == 0);
  CHECK(cmc[1] == 1);
  // DIR@FPIR: non-mated best scores 0.8 (x2) and 0.6 (probes (0.6, 0.8),
  // (0.8, 0.6) and (0.6, -0.8)). FPIR 1/3 allows one false alarm, but the
  // two at 0.8 tie, so theta must go above 0.8 and FPIR is 0; a mated probe
  // at exactly 0.8 is then turned away.
  const Tensor non = Tensor::from({3, 2}, {0.6, 0.8, 0.8, 0.6, 0.6, -0.8});
  const Tensor mated = Tensor::from({1, 2}, {0.6, 0.8});  // identity 20, score 0.8
  const DirAtFpir d =
      dir_at_fpir(identity_scores(g, mated), {20}, identity_scores(g, non), g, 1.0 / 3);
  CHECK(d.theta > 0.79);
  CHECK(d.fpir == 0);
  CHECK(d.dir == 0);
}

TEST_CASE("eval: classification and nearest class mean break ties toward the smaller index",
          "[eval]") {
  // Rows of W (1, 0) and (0, 1): h = (2, 2) has equal logits, class 0.
  const std::vector<int> c =
      classify(Tensor::from({1, 2}, {2, 2}), Tensor::from({2, 2}, {1, 0, 0, 1}));
  REQUIRE(c.size() == 1);
  CHECK(c[0] == 0);
  // Class 0: (-1, 0) twice; class 1: (0, 0) and (2, 0). Means (-1, 0) and
  // (1, 0), so (0, 0) is equally far from both. W = (1, 0), (1, 0) gives
  // equal logits everywhere: the classifier says 0 for every sample. The
  // nearest mean says 0 for (-1, 0), 0 for (0, 0) (the tie) and 1 for
  // (2, 0): they disagree on 1 of 4 samples.
  const Tensor H = Tensor::from({4, 2}, {-1, 0, -1, 0, 0, 0, 2, 0});
  const std::vector<int> y{0, 0, 1, 1};
  const ClassMeans mu = class_means(H, y, 2);
  CHECK(mu.mean.at(1, 0) == 1);
  CHECK(nc4_ncc_mismatch(H, Tensor::from({2, 2}, {1, 0, 1, 0}), Tensor(), mu) == 0.25);
}
