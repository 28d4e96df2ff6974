// build/gallery --seeds N: the 95% interval (Student t) worked by hand, the
// margin-0 control objective of every margin loss, the table and JSON over
// seeds, and a tiny end-to-end run ([slow]).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "demos/gallery/controls.hpp"
#include "demos/gallery/interval.hpp"
#include "demos/gallery/report.hpp"
#include "tests/cli_test_util.hpp"
#include "tests/data_test_util.hpp"

using namespace fg;
using Catch::Matchers::Contains;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("student_t95: the closed forms for 1 and 2 degrees of freedom, the table, the normal limit", "[gallery]") {
  // df = 1 (Cauchy): P(|T| <= t) = (2 / pi) atan t = 0.95, so t = tan(0.475 pi).
  CHECK(student_t95(1) == Approx(12.7062047).epsilon(1e-7));
  // df = 2: P(|T| <= t) = t / sqrt(2 + t^2) = 0.95, so t = 0.95 sqrt(2 / (1 - 0.95^2)) = 4.3026527.
  CHECK(student_t95(2) == Approx(0.95 * std::sqrt(2 / (1 - 0.95 * 0.95))).epsilon(1e-7));
  CHECK(student_t95(2) == Approx(4.3026527).epsilon(1e-7));
  // Printed tables: 3.182 (3), 2.776 (4), 2.228 (10), 2.042 (30).
  CHECK(student_t95(3) == Approx(3.1824).margin(1e-4));
  CHECK(student_t95(4) == Approx(2.7764).margin(1e-4));
  CHECK(student_t95(10) == Approx(2.2281).margin(1e-4));
  CHECK(student_t95(30) == Approx(2.0423).margin(1e-4));
  // Many degrees of freedom: the normal's 1.95996.
  CHECK(student_t95(100000) == Approx(1.95996).margin(1e-4));
  REQUIRE_THROWS_WITH(student_t95(0), Contains("0 degrees of freedom"));
}

TEST_CASE("mean_interval: mean +- t sd / sqrt(n) over the finite values", "[gallery]") {
  // 1, 2, 3: mean 2, sd 1, half = 4.3026527 / sqrt(3) = 2.4841377.
  MeanInterval m = mean_interval({1, 2, 3});
  CHECK(m.n == 3);
  CHECK(m.mean == Approx(2));
  CHECK(m.half == Approx(2.4841377).epsilon(1e-7));
  // 1, 3: sd sqrt(2), half = 12.7062047 * sqrt(2) / sqrt(2); a NaN (a stopped seed) is left out.
  m = mean_interval({1, NAN, 3});
  CHECK(m.n == 2);
  CHECK(m.mean == Approx(2));
  CHECK(m.half == Approx(12.7062047).epsilon(1e-7));
  // The same value every time: no spread, a zero-width interval.
  m = mean_interval({0.5, 0.5, 0.5, 0.5});
  CHECK(m.mean == Approx(0.5));
  CHECK(m.half == 0);
  // One value: no interval; none: no mean either.
  m = mean_interval({7});
  CHECK(m.n == 1);
  CHECK(m.mean == 7);
  CHECK(std::isnan(m.half));
  m = mean_interval({NAN});
  CHECK(m.n == 0);
  CHECK(std::isnan(m.mean));
}

TEST_CASE("without_margin: each margin loss at the same s with its margin taken out", "[gallery]") {
  // The gallery's own margin entries.
  CHECK(without_margin("lsoftmax:m=2") == "lsoftmax:m=1");
  CHECK(without_margin("asoftmax:m=4") == "asoftmax:m=1");
  CHECK(without_margin("amsoftmax:s=16,m=0.15") == "amsoftmax:s=16,m=0");
  CHECK(without_margin("cosface:s=16,m=0.15") == "cosface:s=16,m=0");
  CHECK(without_margin("arcface:s=16,m=0.25") == "arcface:s=16,m=0");
  CHECK(without_margin("combined:s=16,m1=1,m2=0.15,m3=0.05") == "combined:s=16,m1=1,m2=0,m3=0");
  // Margins left at the library's default are set too; other keys keep their place.
  CHECK(without_margin("arcface") == "arcface:m=0");
  CHECK(without_margin("combined:m2=0.3,s=8") == "combined:m2=0,s=8,m1=1,m3=0");
  CHECK(without_margin("arcface:m=0.5,warmup=79,s=32") == "arcface:m=0,warmup=79,s=32");
  CHECK(without_margin("asoftmax:lambda=0,m=3") == "asoftmax:lambda=0,m=1");
  // No margin to take out: the losses without one, and sums.
  for (const char* o : {"softmax", "normface", "l2softmax", "coco", "triplet:mining=semihard", "softmax+0.1*center",
                        "arcface:s=16+0.1*center", "marginal", ""})
    CHECK(without_margin(o) == "");
}

TEST_CASE("gallery table and JSON over seeds: mean +- half-width, every seed kept, a stopped seed named", "[gallery]") {
  auto result = [](const char* label, uint64_t seed, double acc, double intra) {
    GalleryResult r;
    r.label = label, r.objective = "cosface:s=16,m=0", r.ok = true, r.seed = seed;
    r.test_accuracy = acc, r.intra_deg = intra, r.min_inter_deg = 30, r.radial_spread = 0.25, r.seconds = 10;
    return r;
  };
  // 0.96, 0.97, 0.98: mean 0.97, sd 0.01, half 4.3026527 * 0.01 / sqrt(3) = 0.0248414.
  // 4, 5, 6 degrees: mean 5, half 2.484.
  std::vector<GalleryResult> a = {result("A", 1, 0.96, 4), result("A", 2, 0.97, 5), result("A", 3, 0.98, 6)};
  // B's seed 2 stopped: 0.90 and 0.94 remain, sd sqrt(0.0008), half 12.7062 * 0.02 = 0.254124.
  std::vector<GalleryResult> b = {result("B", 1, 0.90, 8), result("B", 2, NAN, NAN), result("B", 3, 0.94, 8)};
  b[1].ok = false, b[1].error = "NaN at step 3";
  const std::string md = gallery_markdown(std::vector<std::vector<GalleryResult>>{a, b}, "# t");
  CHECK_THAT(md, Contains("| A | `cosface:s=16,m=0` | 0.970 ± 0.025 | 5.0 ± 2.5° | 30.0 ± 0.0° | 0.25 ± 0.00 | 10 s |"));
  CHECK_THAT(md, Contains("| B | `cosface:s=16,m=0` (stopped under seed 2: NaN at step 3) | 0.920 ± 0.254 | 8.0 ± 0.0° |"));
  CHECK_THAT(md, Contains("seeds 1, 2, 3") && Contains("t = 4.303") && Contains("n - 1 = 2 degrees of freedom"));

  const std::string js = gallery_json(std::vector<std::vector<GalleryResult>>{a, b}, "setup");
  CHECK_THAT(js, Contains("\"seeds\": [1, 2, 3]") && Contains("Student's t with n - 1 degrees of freedom"));
  CHECK_THAT(js, Contains("\"label\":\"A\", \"objective\":\"cosface:s=16,m=0\", \"note\":\"\", \"ok\":true, "
                          "\"test_accuracy\":0.97, \"intra_class_angle_deg\":5,"));
  CHECK_THAT(js, Contains("\"seeds_ok\":3, \"half_width95\":{\"test_accuracy\":0.0248414, "
                          "\"intra_class_angle_deg\":2.48414,"));
  CHECK_THAT(js, Contains("{\"seed\":2, \"ok\":true, \"test_accuracy\":0.97, \"intra_class_angle_deg\":5,"));
  CHECK_THAT(js, Contains("\"seeds_ok\":2, \"half_width95\":{\"test_accuracy\":0.254124,"));
  CHECK_THAT(js, Contains("{\"seed\":2, \"ok\":false, \"test_accuracy\":null,") && Contains("\"error\":\"NaN at step 3\""));

  // A stopped seed's numbers are left out even where it has some.
  b[1].test_accuracy = 0.5;
  CHECK_THAT(gallery_markdown(std::vector<std::vector<GalleryResult>>{b}, "# t"), Contains("| 0.920 ± 0.254 |"));

  // One seed: no interval anywhere, the values as they are.
  const std::string one = gallery_markdown(std::vector<GalleryResult>{a[1]}, "# t");
  CHECK_THAT(one, Contains("| A | `cosface:s=16,m=0` | 0.970 | 5.0° | 30.0° | 0.25 | 10 s |"));
  CHECK(count(one, "±") == 0);
  CHECK(count(gallery_json(std::vector<GalleryResult>{a[1]}, "s"), "per_seed") == 0);
}

TEST_CASE("gallery --seeds 2: every row under both seeds, the controls, seed 1 as a one-seed run", "[gallery][slow]") {
  fg_test::TempDir dir;
  const std::string common = "build/gallery --only softmax,cosface --data digits:300 --epochs 1 --quiet --out ";
  const auto two = fg_test::run_output(common + dir.file("two") + " --seeds 2");
  INFO(two.second);
  REQUIRE(two.first == 0);
  const std::string js = slurp(dir.file("two") + "/gallery.json");
  CHECK(count(js, "\"label\":") == 3);
  CHECK_THAT(js, Contains("\"seeds\": [1, 2]") && Contains("\"label\":\"Softmax\"") &&
                     Contains("\"label\":\"CosFace\"") &&
                     Contains("\"label\":\"CosFace, margin 0\", \"objective\":\"cosface:s=30,m=0\""));
  CHECK(count(js, "\"per_seed\":[{\"seed\":1, ") == 3);
  CHECK(count(js, "}, {\"seed\":2, ") == 3);
  CHECK(count(js, "\"half_width95\":{\"test_accuracy\":") == 3);
  CHECK(count(slurp(dir.file("two") + "/gallery.md"), " ± ") >= 12);  // 3 rows x 4 columns
  for (const char* key : {"softmax", "cosface", "cosface_margin0"})
    CHECK(slurp(dir.file("two") + "/" + key + "/embeddings.csv").size() > 100);

  // Seed 1 alone (controls off: --controls auto with one seed) gives seed 1's numbers.
  const auto one = fg_test::run_output(common + dir.file("one"));
  INFO(one.second);
  REQUIRE(one.first == 0);
  const std::string js1 = slurp(dir.file("one") + "/gallery.json");
  CHECK(count(js1, "\"label\":") == 2);
  CHECK(count(js1, "margin 0") == 0);
  for (const char* label : {"\"label\":\"Softmax\"", "\"label\":\"CosFace\""}) {
    const size_t at = js1.find(label), from = js1.find("\"test_accuracy\":", at), to = js1.find(", \"seconds\"", at);
    REQUIRE(to != std::string::npos);
    const std::string numbers = js1.substr(from, to - from);
    CHECK(js.find("{\"seed\":1, \"ok\":true, " + numbers, js.find(label)) != std::string::npos);
  }
  CHECK(slurp(dir.file("one") + "/softmax/embeddings.csv") == slurp(dir.file("two") + "/softmax/embeddings.csv"));
}

// A training alone on two threads with one worker idle (--jobs 2 on one
// loss) takes both threads from its first step and keeps one thread's sums;
// the same loss given two threads from the start (--jobs 1) rounds otherwise.
TEST_CASE("gallery: a training that takes the idle thread keeps one thread's numbers", "[gallery][slow]") {
  fg_test::TempDir dir;
  const std::string common = "build/gallery --only arcface --data digits:300 --epochs 1 --quiet --out ";
  const auto one = fg_test::run_output(common + dir.file("one") + " --threads 1");
  const auto grown = fg_test::run_output(common + dir.file("grown") + " --threads 2 --jobs 2");
  const auto two = fg_test::run_output(common + dir.file("two") + " --threads 2 --jobs 1");
  INFO(one.second << grown.second << two.second);
  REQUIRE((one.first == 0 && grown.first == 0 && two.first == 0));
  CHECK_THAT(grown.second, Contains("(2 threads from step 0)"));
  const std::string csv = slurp(dir.file("one") + "/arcface/embeddings.csv");
  CHECK(csv.size() > 100);
  CHECK(slurp(dir.file("grown") + "/arcface/embeddings.csv") == csv);
  CHECK(slurp(dir.file("two") + "/arcface/embeddings.csv") != csv);
}
