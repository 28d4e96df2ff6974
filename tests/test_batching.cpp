// Seeded epoch order, batch gathering, P x K sampling and class subsets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/data/batching.hpp"

using namespace fg;
using Catch::Matchers::Contains;

namespace {

// A data set whose image i is filled with the value i, so a gathered batch
// shows which samples it holds.
Dataset numbered(const std::vector<int>& labels) {
  Dataset d;
  const int n = static_cast<int>(labels.size());
  d.images = Tensor({n, 1, 2, 3});
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < 6; ++p) d.images[i * 6 + p] = real(i);
  d.labels = labels;
  d.name = "numbered";
  return d;
}

}  // namespace

TEST_CASE("epoch order: a permutation fixed by seed and epoch", "[data]") {
  const std::vector<int> e0 = epoch_order(100, 9, 0);
  std::vector<int> sorted = e0;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 100; ++i) REQUIRE(sorted[i] == i);
  CHECK(e0 == epoch_order(100, 9, 0));
  CHECK(e0 != epoch_order(100, 9, 1));
  CHECK(e0 != epoch_order(100, 10, 0));

  const auto keep = epoch_batches(10, 4, 9, 3);
  REQUIRE(keep.size() == 3);
  CHECK(keep[0].size() == 4);
  CHECK(keep[2].size() == 2);
  std::vector<int> joined;
  for (const auto& b : keep) joined.insert(joined.end(), b.begin(), b.end());
  CHECK(joined == epoch_order(10, 9, 3));
  const auto drop = epoch_batches(10, 4, 9, 3, true);
  REQUIRE(drop.size() == 2);
  CHECK(drop[1] == keep[1]);
  CHECK(epoch_batches(0, 4, 1, 0).empty());
  REQUIRE_THROWS_WITH(epoch_batches(10, 0, 9, 0), Contains("batch size 0"));
}

TEST_CASE("gather_batch copies the chosen samples", "[data]") {
  const Dataset d = numbered({3, 1, 4, 1, 5});
  const Batch b = gather_batch(d, {4, 0, 4});
  REQUIRE(b.images.shape() == Shape{3, 1, 2, 3});
  CHECK(b.labels == std::vector<int>{5, 3, 5});
  CHECK(b.indices == std::vector<int>{4, 0, 4});
  CHECK(b.images[0] == 4);
  CHECK(b.images[6 + 5] == 0);
  CHECK(b.images[12 + 3] == 4);
  CHECK_FALSE(b.images.shares_storage_with(d.images));
  REQUIRE_THROWS_WITH(gather_batch(d, {5}), Contains("index 5"));
  REQUIRE_THROWS_WITH(gather_batch(d, {-1}), Contains("index -1"));
  const Dataset s = subset(d, {2, 2});
  CHECK(s.labels == std::vector<int>{4, 4});
  CHECK(s.images[6] == 2);
}

TEST_CASE("P x K sampler: P identities, K images each, every anchor has a positive", "[data]") {
  // Class sizes: 0 -> 6, 1 -> 5, 2 -> 4, 3 -> 3, 4 -> 1, 5 -> 0, 6 -> 4.
  std::vector<int> labels;
  const std::vector<int> sizes = {6, 5, 4, 3, 1, 0, 4};
  for (int c = 0; c < 7; ++c)
    for (int k = 0; k < sizes[c]; ++k) labels.push_back(c);
  std::reverse(labels.begin(), labels.end());  // order in the data set must not matter

  for (auto small : {PKSampler::Small::Fill, PKSampler::Small::Skip}) {
    const bool fill = small == PKSampler::Small::Fill;
    const PKSampler pk(labels, 3, 4, 77, small);
    CHECK(pk.eligible() == (fill ? std::vector<int>{0, 1, 2, 3, 6} : std::vector<int>{0, 1, 2, 6}));
    std::set<int> seen_ids;
    for (int step = 0; step < 200; ++step) {
      const std::vector<int> b = pk.batch(step);
      REQUIRE(b.size() == 12);
      std::set<int> ids;
      for (int p = 0; p < 3; ++p) {
        const int id = labels[b[p * 4]];
        ids.insert(id);
        seen_ids.insert(id);
        std::set<int> distinct;
        for (int k = 0; k < 4; ++k) {
          REQUIRE(labels[b[p * 4 + k]] == id);  // grouped K per identity
          distinct.insert(b[p * 4 + k]);
        }
        // All distinct when the identity has K images; all of its images otherwise.
        REQUIRE(int(distinct.size()) == std::min(4, sizes[id]));
      }
      REQUIRE(ids.size() == 3);  // P distinct identities
      // Every anchor has a positive at another position of the batch.
      for (size_t a = 0; a < b.size(); ++a) {
        bool positive = false;
        for (size_t q = 0; q < b.size(); ++q) positive |= q != a && labels[b[q]] == labels[b[a]];
        REQUIRE(positive);
      }
    }
    CHECK(seen_ids.size() == pk.eligible().size());  // every eligible identity gets drawn
    CHECK(pk.batch(5) == PKSampler(labels, 3, 4, 77, small).batch(5));
    CHECK(pk.batch(5) != pk.batch(6));
  }
  REQUIRE_THROWS_WITH(PKSampler(labels, 6, 4, 1), Contains("only 5 identities"));
  REQUIRE_THROWS_WITH(PKSampler(labels, 5, 4, 1, PKSampler::Small::Skip), Contains("only 4 identities"));
  REQUIRE_THROWS_WITH(PKSampler(labels, 2, 1, 1), Contains("K >= 2"));
}

TEST_CASE("class subset: train on some classes, keep the others unseen", "[data]") {
  Dataset d = numbered({0, 1, 2, 3, 2, 0, 1});
  d.class_names = {"zero", "one", "two", "three"};
  const ClassSubset s = class_subset(d.labels, {2, 0});
  CHECK(s.indices == std::vector<int>{0, 2, 4, 5});
  CHECK(s.labels == std::vector<int>{1, 0, 0, 1});
  CHECK(class_subset(d.labels, {2, 0}, false).labels == std::vector<int>{0, 2, 2, 0});

  const Dataset seen = take_classes(d, {2, 0});
  CHECK(seen.class_names == std::vector<std::string>{"two", "zero"});
  CHECK(seen.num_classes() == 2);
  CHECK(seen.labels == std::vector<int>{1, 0, 0, 1});
  CHECK(seen.images[6 * 1] == 2);  // second sample is image 2
  check_dataset(seen);
  CHECK(other_classes(4, {2, 0}) == std::vector<int>{1, 3});
  const Dataset unseen = take_classes(d, other_classes(4, {2, 0}), false);
  CHECK(unseen.labels == std::vector<int>{1, 3, 1});
  CHECK(unseen.num_classes() == 4);

  REQUIRE_THROWS_WITH(class_subset(d.labels, {1, 1}), Contains("listed twice"));
  REQUIRE_THROWS_WITH(take_classes(d, {4}), Contains("class 4"));
}
