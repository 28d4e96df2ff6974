// Triplet selection on a hand-made batch whose triplets of every kind are
// listed below by hand, then properties on random batches, the selection on
// a dissimilarity table, and the triplet losses' use of it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "core/random.hpp"
#include "losses/mining.hpp"
#include "losses/registry.hpp"
#include "losses/triplet_source.hpp"

using namespace fg;

namespace {

// Six points on a line (N = 1): x = 0, 1, 2.5 (class 0), 1.2, 3 (class 1),
// 10 (class 2). Squared distances:
//        0     1     2     3     4     5
//   0    -     1     6.25  1.44  9     100
//   1          -     2.25  0.04  4     81
//   2                -     1.69  0.25  56.25
//   3                      -     3.24  77.44
//   4                            -     49
// With alpha = 1, anchor by anchor (a, p | n: d_ap vs d_an):
//   0,1 (d_ap 1):    n=3 1.44 semihard (1 < 1.44 < 2), n=4 9 easy, n=5 100 easy
//   0,2 (6.25):      n=3 1.44 hard, n=4 9 easy (>= 7.25), n=5 easy
//   1,0 (1):         n=3 0.04 hard, n=4 4 easy, n=5 easy
//   1,2 (2.25):      n=3 0.04 hard, n=4 4 easy (>= 3.25), n=5 easy
//   2,0 (6.25):      n=3 1.69 hard, n=4 0.25 hard, n=5 easy
//   2,1 (2.25):      n=3 1.69 hard, n=4 0.25 hard, n=5 easy
//   3,4 (3.24):      n=0 1.44 hard, n=1 0.04 hard, n=2 1.69 hard, n=5 easy
//   4,3 (3.24):      n=0 9 easy (>= 4.24), n=1 4 semihard, n=2 0.25 hard, n=5 easy
//   5: no positive, no triplet.
const Tensor& line_batch() {
  static const Tensor h = Tensor::from({6, 1}, {0, 1, real(2.5), real(1.2), 3, 10});
  return h;
}
const std::vector<int> kLabels = {0, 0, 0, 1, 1, 2};

const std::vector<Triplet> kHard = {{0, 2, 3}, {1, 0, 3}, {1, 2, 3}, {2, 0, 3},
                                    {2, 0, 4}, {2, 1, 3}, {2, 1, 4}, {3, 4, 0},
                                    {3, 4, 1}, {3, 4, 2}, {4, 3, 2}};
const std::vector<Triplet> kSemihard = {{0, 1, 3}, {4, 3, 1}};
const std::vector<Triplet> kEasy = {{0, 1, 4}, {0, 1, 5}, {0, 2, 4}, {0, 2, 5}, {1, 0, 4},
                                    {1, 0, 5}, {1, 2, 4}, {1, 2, 5}, {2, 0, 5}, {2, 1, 5},
                                    {3, 4, 5}, {4, 3, 0}, {4, 3, 5}};
// Per anchor: the farthest positive, the nearest negative.
//   0: positives 1 (1), 2 (6.25) -> 2; negatives 3 (1.44) nearest   (0, 2, 3)
//   1: positives 0 (1), 2 (2.25) -> 2; negative 3 (0.04)            (1, 2, 3)
//   2: positives 0 (6.25), 1 (2.25) -> 0; negative 4 (0.25)         (2, 0, 4)
//   3: positive 4; negative 1 (0.04)                                (3, 4, 1)
//   4: positive 3; negative 2 (0.25)                                (4, 3, 2)
const std::vector<Triplet> kBatchHard = {{0, 2, 3}, {1, 2, 3}, {2, 0, 4}, {3, 4, 1}, {4, 3, 2}};

std::vector<Triplet> sorted(std::vector<Triplet> t) {
  std::sort(t.begin(), t.end());
  return t;
}

}  // namespace

TEST_CASE("mining: each rule on a batch listed by hand", "[mining]") {
  const Tensor& h = line_batch();
  const std::vector<Triplet> all = all_triplets(kLabels);
  REQUIRE(all.size() == 26);  // 3 anchors x 2 positives x 3 negatives + 2 x 1 x 4
  CHECK(hard_triplets(h, kLabels) == kHard);
  CHECK(semihard_triplets(h, kLabels, 1) == kSemihard);
  CHECK(easy_triplets(h, kLabels, 1) == kEasy);
  CHECK(batch_hard_triplets(h, kLabels) == kBatchHard);
  // The three kinds split "all" (no triplet of this batch sits on a boundary).
  std::vector<Triplet> joined = kHard;
  joined.insert(joined.end(), kSemihard.begin(), kSemihard.end());
  joined.insert(joined.end(), kEasy.begin(), kEasy.end());
  CHECK(sorted(joined) == all);
  // Through the mode names.
  CHECK(select_triplets(parse_mining("all"), h, kLabels, 1) == all);
  CHECK(select_triplets(parse_mining("semihard"), h, kLabels, 1) == kSemihard);
  CHECK(select_triplets(parse_mining("batchhard"), h, kLabels, 1) == kBatchHard);
  // A smaller margin moves (0,1,3) (d_an - d_ap = 0.44) out of semihard into easy.
  CHECK(semihard_triplets(h, kLabels, real(0.4)) == std::vector<Triplet>{});
  CHECK(easy_triplets(h, kLabels, real(0.4)).size() == kEasy.size() + 2);
  REQUIRE_THROWS_WITH(parse_mining("semi-hard"),
                      Catch::Contains("semi-hard") && Catch::Contains("batchhard"));
}

TEST_CASE("mining: batches without a valid triplet give none", "[mining]") {
  const Tensor h = Tensor::from({3, 1}, {0, 1, 2});
  for (const std::vector<int>& y : {std::vector<int>{0, 1, 2}, std::vector<int>{4, 4, 4}}) {
    CHECK(all_triplets(y).empty());
    CHECK(hard_triplets(h, y).empty());
    CHECK(batch_hard_triplets(h, y).empty());
  }
  CHECK(all_triplets({7}).empty());
}

TEST_CASE("mining: on random batches the kinds split every valid triplet", "[mining]") {
  Rng rng(3);
  const Tensor h = Tensor::randn({12, 3}, rng);
  std::vector<int> y;
  for (int i = 0; i < 12; ++i) y.push_back(i % 4);
  const real alpha = real(0.7);
  const auto all = all_triplets(y), hard = hard_triplets(h, y),
             semi = semihard_triplets(h, y, alpha), easy = easy_triplets(h, y, alpha);
  CHECK(all.size() == 12 * 2 * 9);  // each anchor: 2 positives, 9 negatives
  CHECK(hard.size() + semi.size() + easy.size() == all.size());
  std::set<Triplet> seen(hard.begin(), hard.end());
  seen.insert(semi.begin(), semi.end());
  seen.insert(easy.begin(), easy.end());
  CHECK(seen.size() == all.size());
  for (const Triplet& t : batch_hard_triplets(h, y)) {
    CHECK(y[t[0]] == y[t[1]]);
    CHECK(y[t[0]] != y[t[2]]);
  }
  CHECK(batch_hard_triplets(h, y).size() == 12);
}

TEST_CASE("mining: on a dissimilarity table (the inner-product losses)", "[mining]") {
  // d_aj = -<h_a, h_j> with h = (1,0), (0.9,0.1), (0.5,0.5), (0,1); y = 0, 0, 1, 1.
  // Anchor 0: <.,1> = 0.9, <.,2> = 0.5, <.,3> = 0: d_01 = -0.9, d_02 = -0.5, d_03 = 0,
  // so (0,1,2) and (0,1,3) have d_an > d_ap; with alpha 0.5, (0,1,2) is semihard
  // (-0.5 < -0.4) and (0,1,3) easy.
  // clang-format off
  const std::vector<double> d = {-1,   -0.9,  -0.5, 0,
                                 -0.9, -0.82, -0.5, -0.1,
                                 -0.5, -0.5,  -0.5, -0.5,
                                 0,    -0.1,  -0.5, -1};
  // clang-format on
  const std::vector<int> y = {0, 0, 1, 1};
  const auto semi = select_triplets_by(Mining::SemiHard, d, y, real(0.5));
  CHECK(std::count(semi.begin(), semi.end(), Triplet{0, 1, 2}) == 1);
  const auto easy = select_triplets_by(Mining::Easy, d, y, real(0.5));
  CHECK(std::count(easy.begin(), easy.end(), Triplet{0, 1, 3}) == 1);
  REQUIRE_THROWS_WITH(select_triplets_by(Mining::All, {1, 2, 3}, y, 0),
                      Catch::Contains("4 labels"));
}

TEST_CASE("mining: the triplet losses report what they picked, explicit rows as given",
          "[mining]") {
  const LossContext ctx{3, 1, 0};
  for (const char* name : {"triplet", "tse", "tpe"}) {
    INFO(name);
    auto loss = make_loss(name, {{"mining", "batchhard"}}, ctx);
    auto* src = dynamic_cast<TripletSource*>(loss.get());
    REQUIRE(src != nullptr);
    loss->forward({constant(line_batch()), kLabels, nullptr});
    CHECK(src->last_triplets().size() == 5);  // one per anchor that has a positive
    const std::vector<Triplet> given = {{5, 0, 1}, {2, 2, 2}};  // used as given, even odd ones
    loss->forward({constant(line_batch()), kLabels, &given});
    CHECK(src->last_triplets() == given);
    const std::vector<Triplet> bad = {{0, 1, 6}};
    REQUIRE_THROWS_WITH(loss->forward({constant(line_batch()), kLabels, &bad}),
                        Catch::Contains(name) && Catch::Contains("row 0"));
    REQUIRE_THROWS_WITH(make_loss(name, {{"mining", "hardest"}}, ctx),
                        Catch::Contains(name) && Catch::Contains("semihard"));
  }
  // With normalize=0 the triplet loss mines the rows as given: the hand-made list.
  auto triplet = make_loss("triplet", {{"mining", "hard"}, {"normalize", "0"}}, ctx);
  triplet->forward({constant(line_batch()), kLabels, nullptr});
  CHECK(dynamic_cast<TripletSource*>(triplet.get())->last_triplets() == kHard);
}

TEST_CASE("mining: exact ties fall where the hinge says", "[mining]") {
  // On a line (N = 1): x = 0, 1 (class 0) and one negative per class
  // (no other anchors): -1, 2, 1.5, 0.5. With alpha = 3, both anchors have
  // d_ap = 1 and a negative at the tie d_an = d_ap (hinge 3, open: semihard)
  // and one at the tie d_an = d_ap + alpha = 4 (hinge 0, closed: easy):
  //   a=0, p=1: n=2 d 1 (tie, semihard), n=3 d 4 (tie, easy), n=4 2.25 semihard, n=5 0.25 hard
  //   a=1, p=0: n=2 d 4 (tie, easy), n=3 d 1 (tie, semihard), n=4 0.25 hard, n=5 0.25 hard
  const Tensor h = Tensor::from({6, 1}, {0, 1, -1, 2, real(1.5), real(0.5)});
  const std::vector<int> y = {0, 0, 1, 2, 3, 4};
  const std::vector<Triplet> hard = {{0, 1, 5}, {1, 0, 4}, {1, 0, 5}};
  const std::vector<Triplet> semi = {{0, 1, 2}, {0, 1, 4}, {1, 0, 3}};
  const std::vector<Triplet> easy = {{0, 1, 3}, {1, 0, 2}};
  CHECK(hard_triplets(h, y) == hard);
  CHECK(semihard_triplets(h, y, 3) == semi);
  CHECK(easy_triplets(h, y, 3) == easy);
  CHECK(all_triplets(y).size() == hard.size() + semi.size() + easy.size());
  // The triplet loss agrees, triplet by triplet: an open hinge (hard or
  // semihard) gives d_ap - d_an + alpha > 0, an easy one exactly 0.
  auto loss = make_loss("triplet", {{"alpha", "3"}, {"normalize", "0"}}, LossContext{5, 1, 0});
  auto value = [&](const Triplet& t) {
    const std::vector<Triplet> one = {t};
    return double(loss->forward({constant(h), y, &one}).value()[0]);
  };
  CHECK(value({0, 1, 2}) == 3);     // the tie d_an = d_ap: 1 - 1 + 3
  CHECK(value({1, 0, 3}) == 3);
  CHECK(value({0, 1, 4}) == 1.75);  // 1 - 2.25 + 3
  CHECK(value({0, 1, 3}) == 0);     // the tie d_an = d_ap + alpha: 1 - 4 + 3
  CHECK(value({1, 0, 2}) == 0);
  CHECK(value({0, 1, 5}) == 3.75);  // 1 - 0.25 + 3
  // alpha = 0: no hinge is open at a tie, so d_an = d_ap is easy and semihard is empty.
  CHECK(semihard_triplets(h, y, 0).empty());
  CHECK(easy_triplets(h, y, 0) == std::vector<Triplet>{{0, 1, 2}, {0, 1, 3}, {0, 1, 4}, {1, 0, 2}, {1, 0, 3}});
  // The same ties on a dissimilarity table (the inner-product losses' path).
  std::vector<double> d(36, 0);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) d[i * 6 + j] = (h[i] - h[j]) * (h[i] - h[j]);
  CHECK(select_triplets_by(Mining::SemiHard, d, y, 3) == semi);
  CHECK(select_triplets_by(Mining::Easy, d, y, 3) == easy);
}

TEST_CASE("mining: batch-hard ties go to the smaller index", "[mining]") {
  // On a line: x = 0, 1, -1 (class 0) and 2, -2 (class 1). Anchor 0 has two
  // farthest positives (1 and 2, both at distance^2 1) and two nearest
  // negatives (3 and 4, both at 4): it takes 1 and 3. The other anchors
  // have no ties: 1 -> positive 2 (4), negative 3 (1); 2 -> 1 (4), 4 (1);
  // 3 -> 4 (16), 1 (1); 4 -> 3 (16), 2 (1).
  const Tensor h = Tensor::from({5, 1}, {0, 1, -1, 2, -2});
  const std::vector<int> y = {0, 0, 0, 1, 1};
  const std::vector<Triplet> want = {{0, 1, 3}, {1, 2, 3}, {2, 1, 4}, {3, 4, 1}, {4, 3, 2}};
  CHECK(batch_hard_triplets(h, y) == want);
}
