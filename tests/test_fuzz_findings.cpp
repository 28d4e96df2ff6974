// How the fuzz findings of tests/fuzz/regressions/ are answered now, beyond
// the replay's "success or fg::Error" (tests/test_fuzz_regressions.cpp): the
// error names what was wrong and what is allowed, and what should be read is
// read right.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/data/image_folder.hpp"
#include "core/random.hpp"
#include "core/graph.hpp"
#include "losses/objective.hpp"

using namespace fg;

namespace {

const bool kFloat = sizeof(real) == sizeof(float);

std::string refusal(const std::string& objective) {
  try {
    make_objective(objective, LossContext{4, 3, 1});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("fuzz findings: a projection size beyond 4096 is refused, naming term, key and value",
          "[fuzz][objective]") {
  const std::string e = refusal("softmax+tpe:dim=1770894283");
  CHECK_THAT(e, Catch::Contains("term 2"));
  CHECK_THAT(e, Catch::Contains("tpe: dim = 1770894283 is out of range"));
  CHECK_THAT(e, Catch::Contains("allowed: an integer in [1, 4096]"));
  CHECK_THAT(refusal("tse:dim=4097"), Catch::Contains("tse: dim = 4097"));
  CHECK(refusal("tse:dim=4096") == "");
}

TEST_CASE("fuzz findings: a parameter or weight the scalar type cannot hold is refused",
          "[fuzz][objective]") {
  // 7.7e63 and 1e230 are doubles but no float. A parameter has a finite
  // range now and is refused by it in both builds; a weight is refused in the
  // float build only (the double build takes it; only an overflowing strtod is refused).
  const std::string margin = refusal("contrastive:margin=7.7e63");
  const std::string weight = refusal("softmax+1e230*range");
  CHECK_THAT(margin, Catch::Contains("term 1"));
  CHECK_THAT(margin, Catch::Contains("contrastive: margin = 7.7e63 is out of range; allowed: [0, 1000]"));
  if (kFloat) {
    CHECK_THAT(weight, Catch::Contains("term 2"));
    CHECK_THAT(weight, Catch::Contains("the weight 1e230 is beyond the range of the scalar type"));
    CHECK_THAT(weight, Catch::Contains("allowed: a number in (0, 3.40282e+38]"));
  } else {
    CHECK(weight == "");
  }
  CHECK_THAT(refusal("contrastive:margin=1e999"), Catch::Contains("margin = 1e999 is out of range"));
  CHECK_THAT(refusal("softmax+1e999*range"), Catch::Contains("the weight must be a number > 0"));
}

TEST_CASE("fuzz findings: a weighted term that overflows is an error, not inf", "[fuzz][objective]") {
  // center on |h| about 10 is about 50; times 3e37 that is 1.5e39, past float.
  auto obj = make_objective("softmax+3e37*center", LossContext{4, 3, 1});
  Rng rng(3);
  const Var h = param(Tensor::uniform({6, 3}, rng, -10, 10));
  const std::vector<int> y = {0, 1, 2, 3, 0, 1};
  if (kFloat) {
    REQUIRE_THROWS_WITH(obj->forward({h, y}),
                        Catch::Contains("term 2 (center)") &&
                            Catch::Contains("beyond the range of the scalar type"));
  } else {
    const Var loss = obj->forward({h, y});
    CHECK(std::isfinite(double(loss.value()[0])));
  }
}

namespace {

// A 4-bit palette BMP, 5 x 3, rows stored bottom-up, or top-down (negative
// height) with the same picture: the rows' bytes in the opposite order.
std::vector<uint8_t> bmp_5x3(bool top_down) {
  const int w = 5, h = 3, stride = 4;  // 5 pixels of 4 bits, padded to 4 bytes
  std::vector<uint8_t> b = {'B', 'M'};
  auto le = [&](uint32_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(uint8_t(v >> (8 * i)));
  };
  const uint32_t offset = 14 + 40 + 16 * 4;
  le(offset + stride * h, 4), le(0, 4), le(offset, 4);
  le(40, 4), le(w, 4), le(uint32_t(top_down ? -h : h), 4), le(1, 2), le(4, 2);
  le(0, 4), le(stride * h, 4), le(2835, 4), le(2835, 4), le(16, 4), le(0, 4);
  for (int c = 0; c < 16; ++c) b.insert(b.end(), {uint8_t(c * 17), uint8_t(c * 17), uint8_t(c * 17), 0});
  // Picture row r (0 = top) holds palette index 5 r + x at pixel x.
  for (int k = 0; k < h; ++k) {
    const int r = top_down ? k : h - 1 - k;
    std::vector<uint8_t> row(stride, 0);
    for (int x = 0; x < w; ++x) row[x / 2] |= uint8_t((5 * r + x) << (x % 2 ? 0 : 4));
    b.insert(b.end(), row.begin(), row.end());
  }
  return b;
}

}  // namespace

TEST_CASE("fuzz findings: a top-down BMP is read, the same picture as bottom-up", "[fuzz][image]") {
  const std::vector<uint8_t> up = bmp_5x3(false), down = bmp_5x3(true);
  const Tensor a = decode_image(up.data(), up.size(), "up.bmp", 3, 5, false);
  const Tensor b = decode_image(down.data(), down.size(), "down.bmp", 3, 5, false);
  REQUIRE(a.shape() == Shape{1, 3, 5});
  REQUIRE(b.shape() == Shape{1, 3, 5});
  for (int r = 0; r < 3; ++r)
    for (int x = 0; x < 5; ++x) {
      INFO("row " << r << ", pixel " << x);
      CHECK(a[r * 5 + x] * 255 == Approx(17 * (5 * r + x)).margin(1e-3));
      CHECK(b[r * 5 + x] == a[r * 5 + x]);
    }
}
