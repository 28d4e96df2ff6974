// The feature demos: the numbers they report (angles, pair angles, the PCA
// projection, JSON), worked out by hand; each program's argument errors
// (exit code 2 and a message naming the argument and what is allowed); and
// one tiny end-to-end run of feature2d on synthetic digits ([slow]).
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/data/checkpoint.hpp"
#include "core/data/csv.hpp"
#include "demos/features/metrics.hpp"
#include "demos/features/run.hpp"
#include "demos/cli/json_text.hpp"
#include "tests/data_test_util.hpp"

using namespace fg;
using Catch::Matchers::Contains;

namespace {

struct Run {
  int code = -1;
  std::string err;  // stderr
};

// Runs a command from the repository root (where the suites run).
Run run(const std::string& cmd) {
  Run r;
  FILE* p = popen((cmd + " 2>&1 >/dev/null").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) r.err += buf;
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool starts_with_bytes(const std::string& s, const char* magic, size_t n) {
  return s.size() >= n && s.compare(0, n, magic, n) == 0;
}

Tensor rows(std::vector<std::vector<real>> r) {
  Tensor t({int(r.size()), int(r[0].size())});
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t k = 0; k < r[i].size(); ++k) t.at(int(i), int(k)) = r[i][k];
  return t;
}

}  // namespace

TEST_CASE("feature metrics: angles of a hand-made set", "[demos]") {
  // Class 0 at 0 and 90 degrees: direction 45 degrees, each sample 45 away.
  // Class 1 twice at 180 degrees (different lengths): 0 away.
  // Class 2 at 270 degrees. A zero row and a NaN row are left out.
  const Tensor H = rows({{2, 0}, {0, 3}, {-1, 0}, {-5, 0}, {0, -1}, {0, 0}, {NAN, 1}});
  const std::vector<int> y = {0, 0, 1, 1, 2, 1, 2};
  const FeatureMetrics f = feature_metrics(H, y, 4);  // class 3 has no samples
  CHECK(f.samples == 5);
  CHECK(f.intra_deg == Approx((45 + 45 + 0 + 0 + 0) / 5.0).margin(1e-4));
  // Directions 45, 180, 270: the closest pair is 180/270, 90 degrees apart.
  CHECK(f.min_inter_deg == Approx(90).margin(1e-4));
  CHECK(f.mean_norm == Approx((2 + 3 + 1 + 5 + 1) / 5.0).margin(1e-5));
  // Radial spread, std/mean of the norms per class, averaged over classes:
  // norms {2, 3}: 0.5 / 2.5 = 0.2; {1, 5}: 2 / 3; {1}: 0.
  CHECK(f.radial_spread == Approx((0.2 + 2.0 / 3 + 0) / 3).margin(1e-6));

  const ClassDirections d = class_directions(H, y, 4);
  CHECK(d.present == std::vector<bool>{true, true, true, false});
  CHECK(d.d.at(0, 0) == Approx(std::sqrt(0.5)).margin(1e-6));
  CHECK(d.d.at(0, 1) == Approx(std::sqrt(0.5)).margin(1e-6));
  CHECK(d.d.at(1, 0) == Approx(-1).margin(1e-6));

  const real a[3] = {1, 0, 0}, b[3] = {1, 1, 0}, z[3] = {0, 0, 0};
  CHECK(angle_deg(a, b, 3) == Approx(45).margin(1e-4));
  CHECK(angle_deg(a, z, 3) == 0);

  REQUIRE_THROWS_WITH(feature_metrics(rows({{0, 0}}), {0}, 2), Contains("none of the 1 features"));
  REQUIRE_THROWS_WITH(feature_metrics(H, {0, 1}, 4), Contains("2 labels for 7 features"));
  REQUIRE_THROWS_WITH(class_directions(H, {0, 0, 1, 1, 9, 1, 2}, 4), Contains("label 9 of row 4"));
}

TEST_CASE("feature metrics: pair angles and the PCA projection", "[demos]") {
  // Two classes on perpendicular axes: same-class pairs at 0 degrees,
  // different-class pairs at 90.
  const Tensor H = rows({{1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {0, 1, 0}, {0, 4, 0}});
  const PairAngles p = pair_angles(H, {0, 0, 0, 1, 1}, 50, 7);
  REQUIRE(p.same.size() == 50);
  REQUIRE(p.different.size() == 50);
  for (double v : p.same) CHECK(v == Approx(0).margin(1e-3));
  for (double v : p.different) CHECK(v == Approx(90).margin(1e-4));

  // Points on the line t (1, 2, 0) plus a small spread along (0, 0, 1):
  // the first axis is the line, the second the z spread.
  std::vector<std::vector<real>> r;
  for (int i = 0; i < 9; ++i) {
    const real t = real(i - 4), zz = real(i % 2 ? 0.1 : -0.1);
    r.push_back({t, 2 * t, zz});
  }
  const Tensor P = project_pca2(rows(r));
  REQUIRE(P.size(0) == 9);
  REQUIRE(P.size(1) == 2);
  double zmean = 0;
  for (int i = 0; i < 9; ++i) zmean += (i % 2 ? 0.1 : -0.1) / 9;
  for (int i = 0; i < 9; ++i) {
    CHECK(std::abs(P.at(i, 0)) == Approx(std::abs(i - 4) * std::sqrt(5.0)).margin(1e-4));
    CHECK(std::abs(P.at(i, 1)) == Approx(std::abs((i % 2 ? 0.1 : -0.1) - zmean)).margin(1e-4));
  }
  REQUIRE_THROWS_WITH(project_pca2(Tensor({3, 1})), Contains("N >= 2"));
}

TEST_CASE("run_tasks: each task once, on several threads, errors passed on", "[demos]") {
  for (int jobs : {1, 3}) {
    std::vector<std::atomic<int>> hits(17);
    run_tasks(17, jobs, 1, [&](int i) { hits[size_t(i)]++; });
    for (auto& h : hits) CHECK(h.load() == 1);
  }
  std::atomic<int> done{0};
  REQUIRE_THROWS_WITH(run_tasks(6, 2, 1,
                                [&](int i) {
                                  ++done;
                                  if (i == 3) throw Error("task 3 failed");
                                }),
                      "task 3 failed");
  CHECK(done.load() == 6);  // the others still ran
}

TEST_CASE("json text: escapes, null for NaN, nesting", "[demos]") {
  CHECK(json_quote("a\"b\\c\nd\x01") == "\"a\\\"b\\\\c\\nd\\u0001\"");
  CHECK(json_number(NAN) == "null");
  CHECK(json_number(INFINITY) == "null");
  CHECK(json_number(0.25) == "0.25");
  JsonObject inner;
  inner.add("x", 1).add("ok", true);
  JsonObject o;
  o.add("name", "arc").add_raw("rows", json_array({inner.str(0), "null"}, 0));
  CHECK(o.str(0) == "{\"name\":\"arc\", \"rows\":[{\"x\":1, \"ok\":true}, null]}");
  CHECK(o.str(2) == "{\n  \"name\": \"arc\",\n  \"rows\": [{\"x\":1, \"ok\":true}, null]\n}");
  JsonObject outer;
  outer.add_raw("rows", json_array({"1", "2"}));
  CHECK(outer.str(2) == "{\n  \"rows\": [\n    1,\n    2\n  ]\n}");
}

TEST_CASE("feature2d: bad arguments exit with 2 and say what is allowed", "[demos]") {
  REQUIRE(std::ifstream("build/feature2d").good());
  // Each command line, and every piece its error must name.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"--data digits --loss centre", {"--loss", "unknown loss 'centre'", "valid: softmax", "arcface", "usage: feature2d"}},
      {"--data digits --loss softmax+0.01*center center.alpha_c=7", {"--loss", "alpha_c", "allowed"}},
      {"--data mnist:/nonexistent/fg_dir", {"--data", "/nonexistent/fg_dir does not exist"}},
      {"--data folder:", {"--data", "directory is missing"}},
      {"--data imagenet", {"'imagenet' is not a data set", "digits"}},
      {"--dim 0", {"--dim: '0' is out of range"}},
      {"--epochs abc", {"--epochs: 'abc' is not a whole number"}},
      {"--data digits --optim rmsprop", {"--optim", "sgd", "adam"}},
      {"--data digits --out /proc/fg_no/such", {"--out: cannot create the directory /proc/fg_no/such"}},
      {"--data digits --loss tse --pretrain sofmax", {"--pretrain", "sofmax"}},
      {"--data digits --loss tse --pretrain softmax --batchnorm", {"--pretrain", "BatchNorm"}},
      {"--data digits --loss arcface --no-freeze", {"--no-freeze", "only applies after --pretrain"}},
  };
  for (const auto& c : cases) {
    INFO("feature2d " << c.first);
    const Run r = run("build/feature2d " + c.first);
    CHECK(r.code == 2);
    for (const std::string& part : c.second) CHECK_THAT(r.err, Contains(part));
  }
}

TEST_CASE("gallery and figures: bad arguments exit with 2 and say what is allowed", "[demos]") {
  REQUIRE(std::ifstream("build/gallery").good());
  REQUIRE(std::ifstream("build/figures").good());
  Run r = run("build/gallery --only arcface,nope --data digits");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--only: unknown key 'nope'") && Contains("softmax") && Contains("arcface"));
  r = run("build/gallery --epochs abc");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--epochs: 'abc'") && Contains("usage: gallery"));
  r = run("build/gallery --set most");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--set") && Contains("default") && Contains("all"));
  r = run("build/gallery --data mnist:/nonexistent/fg_dir");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("/nonexistent/fg_dir does not exist"));

  r = run("build/figures");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("no command given") && Contains("center-lambda") && Contains("target-logits"));
  r = run("build/figures arcface-m");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("unknown command 'arcface-m'") && Contains("lsoftmax-m"));
  r = run("build/figures center-lambda --epochs abc");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--epochs: 'abc'"));
  r = run("build/figures lsoftmax-m --data folder:/nonexistent/fg_dir");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("--data") && Contains("does not exist"));
  r = run("build/figures target-logits --epochs 3");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("unknown option --epochs"));
}

TEST_CASE("figures target-logits writes its picture", "[demos]") {
  fg_test::TempDir dir;
  const Run r = run("build/figures target-logits --out " + dir.path.string());
  REQUIRE(r.code == 0);
  CHECK(starts_with_bytes(read_text(dir.file("target_logits.png")), "\x89PNG", 4));
}

TEST_CASE("feature2d: one epoch on a few hundred digits writes every file", "[demos][slow]") {
  fg_test::TempDir dir;
  const std::string out = dir.file("run");
  const Run r = run("build/feature2d --data digits:300 --epochs 1 --batch 50 --threads 2 --quiet --loss "
                    "softmax+0.01*center --out " + out);
  INFO(r.err);
  REQUIRE(r.code == 0);
  for (const char* png : {"test_features.png", "train_features.png", "curves.png", "frames/features_000.png",
                          "frames/features_001.png"})
    CHECK(starts_with_bytes(read_text(out + "/" + png), "\x89PNG", 4));
  CHECK(starts_with_bytes(read_text(out + "/features.gif"), "GIF89a", 6));

  // The test embeddings: a header and one row per test image (digits:300 has 100).
  const std::string csv = read_text(out + "/embeddings.csv");
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  CHECK(line == "x1,x2,label");
  Tensor H({100, 2});
  std::vector<int> y;
  while (std::getline(lines, line)) {
    double a = 0, b = 0;
    int l = -1;
    REQUIRE(std::sscanf(line.c_str(), "%lf,%lf,%d", &a, &b, &l) == 3);
    REQUIRE(y.size() < 100);
    H.at(int(y.size()), 0) = real(a), H.at(int(y.size()), 1) = real(b);
    y.push_back(l);
  }
  REQUIRE(y.size() == 100);

  // metrics.json: epochs 0 and 1, and its angles agree with the CSV's features.
  const std::string js = read_text(out + "/metrics.json");
  CHECK_THAT(js, Contains("\"per_epoch\"") && Contains("\"epoch\":0") && Contains("\"epoch\":1") &&
                     Contains("\"objective\": \"softmax+0.01*center\""));
  const size_t at = js.find("\"final\"");
  REQUIRE(at != std::string::npos);
  const size_t k = js.find("\"intra_class_angle_deg\":", at);
  REQUIRE(k != std::string::npos);
  const double intra = std::stod(js.substr(k + 24));
  CHECK(intra == Approx(feature_metrics(H, y, 10).intra_deg).epsilon(1e-4));

  const Checkpoint ck = load_checkpoint(out + "/checkpoint.ckpt");
  CHECK(ck.find("model/fc.weight") != nullptr);
  CHECK(ck.find("model/fc.weight")->size(0) == 2);
}

// Each loss trains on one thread either way (the numbers depend on the
// thread count of a training, not on how many trainings run beside it).
TEST_CASE("gallery: the same numbers whether losses train one or two at a time", "[demos][slow]") {
  fg_test::TempDir dir;
  const std::string common = "build/gallery --only softmax,arcface --data digits:100 --epochs 1 --train-images 0 "
                             "--quiet --out ";
  const Run one = run(common + dir.file("one") + " --threads 1");
  const Run two = run(common + dir.file("two") + " --threads 2 --jobs 2");
  INFO(one.err << two.err);
  REQUIRE(one.code == 0);
  REQUIRE(two.code == 0);
  for (const char* key : {"softmax", "arcface"}) {
    const std::string a = read_text(dir.file("one") + "/" + key + "/embeddings.csv");
    CHECK(a.size() > 100);
    CHECK(a == read_text(dir.file("two") + "/" + key + "/embeddings.csv"));
  }
  CHECK_THAT(read_text(dir.file("two") + "/gallery.md"), Contains("| Softmax |") && Contains("| ArcFace |"));
  CHECK(starts_with_bytes(read_text(dir.file("two") + "/gallery.png"), "\x89PNG", 4));
}

// TSE's entry trains in two stages: softmax for three quarters of the epochs
// (rounded, at least 1), then the projection stage for the rest.
TEST_CASE("gallery: a two-stage entry splits the shared epochs", "[demos][freeze]") {
  fg_test::TempDir dir;
  const Run r = run("build/gallery --only tse --data digits:60 --epochs 4 --train-images 0 --test-images 30 "
                    "--quiet --threads 1 --out " + dir.file("g"));
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string md = read_text(dir.file("g") + "/gallery.md");
  CHECK_THAT(md, Contains("softmax 3 epochs, then the head only; ") && Contains("| TSE |"));
}
