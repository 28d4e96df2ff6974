// Synthetic digits and identities, image folders, batching.
#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "core/data/batching.hpp"
#include "core/data/digits.hpp"
#include "core/data/image_folder.hpp"
#include "tests/data_test_util.hpp"

// Only to write test images; static so it cannot clash with the library's copy.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

using namespace fg;
using Catch::Matchers::Contains;
using fg_test::TempDir;

namespace {

std::vector<int> iota(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

bool same_values(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return false;
  for (int64_t i = 0; i < a.numel(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Accuracy of the nearest class mean (means from `train`) on `test`: a
// weak classifier that still separates digits that look distinct.
double nearest_mean_accuracy(const Dataset& train, const Dataset& test) {
  const int k = train.num_classes();
  const int64_t per = train.images.numel() / train.size();
  std::vector<double> mean(k * per, 0.0);
  const std::vector<int> counts = class_counts(train.labels, k);
  for (int i = 0; i < train.size(); ++i)
    for (int64_t p = 0; p < per; ++p)
      mean[train.labels[i] * per + p] += train.images[i * per + p] / counts[train.labels[i]];
  int right = 0;
  for (int i = 0; i < test.size(); ++i) {
    int best = -1;
    double best_d = 1e300;
    for (int c = 0; c < k; ++c) {
      double d = 0;
      for (int64_t p = 0; p < per; ++p) {
        const double e = test.images[i * per + p] - mean[c * per + p];
        d += e * e;
      }
      if (d < best_d) best_d = d, best = c;
    }
    right += best == test.labels[i];
  }
  return double(right) / test.size();
}

}  // namespace

TEST_CASE("synthetic digits: deterministic, balanced, in [0, 1], recognisable", "[data]") {
  const Dataset a = make_digits(1000, 42);
  REQUIRE(a.images.shape() == Shape{1000, 1, 28, 28});
  check_dataset(a);
  CHECK(a.num_classes() == 10);
  CHECK(a.class_names[3] == "3");
  CHECK(class_counts(a.labels, 10) == std::vector<int>(10, 100));
  const auto [lo, hi] = std::minmax_element(a.images.data(), a.images.data() + a.images.numel());
  CHECK(*lo >= 0);
  CHECK(*hi <= 1);
  CHECK(*hi > real(0.7));  // strokes are drawn, not just noise

  CHECK(same_values(a.images, make_digits(1000, 42).images));
  CHECK_FALSE(same_values(a.images, make_digits(1000, 43).images));
  // A prefix of a larger set is the smaller set: image i depends only on (seed, i).
  CHECK(same_values(a.images, gather_images(make_digits(1010, 42).images, iota(1000))));

  // The same numbers with one thread or two.
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Dataset one = make_digits(300, 7);
  omp_set_num_threads(2);
  const Dataset two = make_digits(300, 7);
  omp_set_num_threads(threads);
  CHECK(same_values(one.images, two.images));

  // Distinct digits: class means from one seed classify another seed's digits.
  const double acc = nearest_mean_accuracy(make_digits(2000, 1), make_digits(1000, 2));
  INFO("nearest-class-mean accuracy " << acc);
  CHECK(acc > 0.7);
  REQUIRE_THROWS_AS(make_digits(-1, 0), Error);
}

TEST_CASE("synthetic identities: distinct pairs, grouped labels", "[data]") {
  const Dataset d = make_identities(12, 5, 3);
  REQUIRE(d.images.shape() == Shape{60, 1, 28, 28});
  check_dataset(d);
  CHECK(d.num_classes() == 12);
  CHECK(std::set<std::string>(d.class_names.begin(), d.class_names.end()).size() == 12);
  for (const std::string& n : d.class_names) CHECK(n.size() == 2);
  for (int i = 0; i < 60; ++i) CHECK(d.labels[i] == i / 5);
  CHECK(same_values(d.images, make_identities(12, 5, 3).images));
  // Identities are told apart by their mean image: means from the first
  // half of each identity's images classify the second half.
  const Dataset ids = make_identities(20, 20, 5);
  std::vector<int> first, second;
  for (int i = 0; i < ids.size(); ++i) (i % 20 < 10 ? first : second).push_back(i);
  const double acc = nearest_mean_accuracy(subset(ids, first), subset(ids, second));
  INFO("nearest-mean identity accuracy " << acc);
  CHECK(acc > 0.8);
  REQUIRE_THROWS_WITH(make_identities(101, 2, 0), Contains("1..100"));
}

TEST_CASE("image folder: classes from sub-directories, broken files skipped and counted", "[data]") {
  TempDir dir;
  namespace fs = std::filesystem;
  for (const char* sub : {"bob", "alice", ".hidden", "carol"}) fs::create_directories(dir.path / sub);
  // alice: a uniform gray PNG at the output size, a larger one, and a red RGB one.
  std::vector<unsigned char> gray(28 * 28, 100), big(56 * 40, 200), red(6 * 8 * 3, 0);
  for (size_t i = 0; i < red.size(); i += 3) red[i] = 255;
  REQUIRE(stbi_write_png(dir.file("alice/a.png").c_str(), 28, 28, 1, gray.data(), 28));
  REQUIRE(stbi_write_png(dir.file("alice/b.PNG").c_str(), 40, 56, 1, big.data(), 40));
  REQUIRE(stbi_write_png(dir.file("alice/c.png").c_str(), 8, 6, 3, red.data(), 24));
  // bob: a BMP, a JPEG, a broken PNG and a text file.
  REQUIRE(stbi_write_bmp(dir.file("bob/x.bmp").c_str(), 8, 6, 3, red.data()));
  // (stb_image_write's JPEG encoder is not sanitizer-clean, so the JPEG is a stored file.)
  const std::string jpg = fg_test::test_data_file("gray100_28x28.jpg");
  INFO("run from the repository root: tests/data/gray100_28x28.jpg is needed");
  REQUIRE(!jpg.empty());
  fs::copy_file(jpg, dir.file("bob/y.jpg"));
  fg_test::write_raw(dir.file("bob/broken.png"), {0x89, 'P', 'N', 'G', 1, 2, 3});
  fg_test::write_raw(dir.file("bob/notes.txt"), {'h', 'i'});
  fg_test::write_raw(dir.file(".hidden/z.png"), {1});
  // carol: only an unreadable image.
  fg_test::write_raw(dir.file("carol/empty.jpg"), {});

  ImageFolderReport rep;
  const Dataset d = load_image_folder(dir.path.string(), {}, &rep);
  CHECK(d.class_names == std::vector<std::string>{"alice", "bob", "carol"});
  CHECK(d.labels == std::vector<int>{0, 0, 0, 1, 1});
  REQUIRE(d.images.shape() == Shape{5, 1, 28, 28});
  CHECK(rep.loaded == 5);
  CHECK(rep.skipped == 2);
  CHECK(rep.ignored == 1);
  std::string all;
  for (const auto& w : rep.warnings) all += w + "\n";
  CHECK_THAT(all, Contains(dir.file("bob/broken.png")) && Contains(dir.file("carol/empty.jpg")) &&
                      Contains("skipped 2"));
  const int64_t px = 28 * 28;
  // A constant image stays constant under resizing.
  for (int64_t p = 0; p < px; ++p) REQUIRE(d.images[p] == Approx(100.0 / 255).margin(1e-6));
  for (int64_t p = 0; p < px; ++p) REQUIRE(d.images[px + p] == Approx(200.0 / 255).margin(1e-6));
  // Pure red in grayscale: about 0.299, the usual luma weight of red.
  CHECK(d.images[2 * px + 100] == Approx(0.299).margin(0.01));
  CHECK(d.images[4 * px + 100] == Approx(100.0 / 255).margin(0.03));  // JPEG is lossy

  ImageFolderOptions rgb;
  rgb.rgb = true;
  rgb.height = 10;
  rgb.width = 12;
  const Dataset c = load_image_folder(dir.path.string(), rgb, &rep);
  REQUIRE(c.images.shape() == Shape{5, 3, 10, 12});
  const int64_t per = 3 * 10 * 12, plane = 10 * 12;
  CHECK(c.images[2 * per + 5] == Approx(1.0));              // red channel of the red PNG
  CHECK(c.images[2 * per + plane + 5] == Approx(0.0));      // green
  CHECK(c.images[3 * per + 2 * plane + 5] == Approx(0.0));  // blue of the red BMP

  REQUIRE_THROWS_WITH(load_image_folder(dir.file("nowhere"), {}, &rep), Contains(dir.file("nowhere")));
  TempDir bad;
  fs::create_directories(bad.path / "only");
  fg_test::write_raw(bad.file("only/bad.png"), {'n', 'o'});
  REQUIRE_THROWS_WITH(load_image_folder(bad.path.string(), {}, &rep),
                      Contains(bad.path.string()) && Contains("no readable images"));
  TempDir flat;
  REQUIRE_THROWS_WITH(load_image_folder(flat.path.string(), {}, &rep), Contains("no class sub-directories"));
}

TEST_CASE("resize_image: bilinear between pixel centres, block average when shrinking", "[data]") {
  // Two columns 0 | 1 stretched to four: centres map to -0.25, 0.25, 0.75, 1.25 (clamped).
  const Tensor up = resize_image(Tensor::from({1, 2, 2}, {0, 1, 0, 1}), 2, 4);
  const std::vector<real> want = {0, 0.25, 0.75, 1};
  for (int r = 0; r < 2; ++r)
    for (int x = 0; x < 4; ++x) CHECK(up[r * 4 + x] == Approx(want[x]));
  // Columns 1 0 0 | 1 0 0 shrunk by 3: each output averages its block to 1/3
  // (sampling alone would read the zero column at the block centre).
  const Tensor down = resize_image(Tensor::from({1, 1, 6}, {1, 0, 0, 1, 0, 0}), 1, 2);
  CHECK(down[0] == Approx(1.0 / 3));
  CHECK(down[1] == Approx(1.0 / 3));
  REQUIRE_THROWS_AS(resize_image(Tensor({1, 2, 2}), 0, 3), Error);
}

TEST_CASE("image decoder: broken files are errors, never crashes or huge allocations", "[data]") {
  // Inputs that made stb_image 2.27 overrun a table or copy into a null buffer.
  for (const char* name : {"jpeg_huffman_overflow.jpg", "jpeg_fill_huffman_overflow.jpg", "png_empty_idat.png"}) {
    const std::string path = fg_test::test_data_file(name);
    INFO(name << " is needed in tests/data (run from the repository root)");
    REQUIRE(!path.empty());
    REQUIRE_THROWS_WITH(load_image(path, 28, 28), Contains(path) && Contains("corrupt"));
  }
  TempDir dir;
  std::vector<unsigned char> pix(16 * 16, 77);
  REQUIRE(stbi_write_png(dir.file("ok.png").c_str(), 16, 16, 1, pix.data(), 16));
  std::vector<unsigned char> png = fg_test::read_raw(dir.file("ok.png"));
  CHECK(load_image(dir.file("ok.png"), 16, 16)[0] == Approx(77.0 / 255));
  // The first IDAT chunk claims 2 GB: refused by the allocation limit, not attempted.
  size_t idat = 0;
  for (size_t i = 8; i + 4 <= png.size() && !idat; ++i)
    if (std::equal(png.begin() + i, png.begin() + i + 4, "IDAT")) idat = i;
  REQUIRE(idat > 4);
  std::vector<unsigned char> huge = png;
  huge[idat - 4] = 0x7f, huge[idat - 3] = 0xff, huge[idat - 2] = 0, huge[idat - 1] = 0;
  fg_test::write_raw(dir.file("huge.png"), huge);
  REQUIRE_THROWS_WITH(load_image(dir.file("huge.png"), 16, 16), Contains("needs more memory"));
  // Cut short, or not an image at all.
  fg_test::write_raw(dir.file("cut.png"), std::vector<unsigned char>(png.begin(), png.begin() + png.size() / 2));
  REQUIRE_THROWS_WITH(load_image(dir.file("cut.png"), 16, 16), Contains(dir.file("cut.png")));
  fg_test::write_raw(dir.file("text.png"), {'h', 'e', 'l', 'l', 'o'});
  REQUIRE_THROWS_WITH(load_image(dir.file("text.png"), 16, 16), Contains("not a readable"));
  // A readable RGB JPEG keeps its colours: red is full everywhere in this gradient.
  const std::string jpg = fg_test::test_data_file("gradient_16x12.jpg");
  REQUIRE(!jpg.empty());
  const Tensor rgb = load_image(jpg, 12, 16, true);
  REQUIRE(rgb.shape() == Shape{3, 12, 16});
  CHECK(rgb[6 * 16 + 8] == Approx(1.0).margin(0.03));
}
