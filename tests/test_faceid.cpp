// The faceid demo: its split into seen and unseen classes, its measurements
// on embeddings with known answers, its argument errors, and a tiny run of
// the program from end to end.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "core/data/digits.hpp"
#include "demos/faceid/data.hpp"
#include "demos/faceid/eval.hpp"
#include "tests/cli_test_util.hpp"
#include "tests/data_test_util.hpp"

using namespace fg;
using Catch::Matchers::Contains;

namespace {

// The source index of the image equal to image i of d (pixel for pixel), or -1.
int find_image(const Dataset& src, const Dataset& d, int i) {
  const int64_t per = d.images.numel() / std::max(1, d.size());
  for (int j = 0; j < src.size(); ++j)
    if (std::memcmp(src.images.data() + j * per, d.images.data() + i * per, sizeof(real) * per) ==
        0)
      return j;
  return -1;
}

// Every image of d comes from src, from a class of `classes` that d names
// with its own label (d's label k stands for classes[k]); returns the source
// indices.
std::set<int> provenance(const Dataset& src, const Dataset& d, const std::vector<int>& classes) {
  std::set<int> where;
  for (int i = 0; i < d.size(); ++i) {
    const int j = find_image(src, d, i);
    INFO("image " << i << " of " << d.name);
    REQUIRE(j >= 0);
    REQUIRE(d.labels[i] >= 0);
    REQUIRE(d.labels[i] < int(classes.size()));
    REQUIRE(src.labels[j] == classes[d.labels[i]]);
    REQUIRE(d.class_names[d.labels[i]] == src.class_names[src.labels[j]]);
    where.insert(j);
  }
  return where;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("faceid split: identities, the unseen classes share nothing with training", "[faceid]") {
  FaceIdSource src;
  src.train = make_identities(10, 12, 7);
  const std::vector<int> seen = {0, 1, 2, 3, 4, 9};
  FaceIdSplitOptions o;
  o.per_class = 8;
  const FaceIdData d = split_faceid(src, seen, o);
  REQUIRE(d.unseen_classes == std::vector<int>{5, 6, 7, 8});
  // Every 6th image of a seen identity is held out: 10 train, 2 held out each.
  REQUIRE(d.train.size() == 6 * 10);
  REQUIRE(d.seen_test.size() == 6 * 2);
  REQUIRE(d.unseen.size() == 4 * 8);
  const std::set<int> tr = provenance(src.train, d.train, seen);
  const std::set<int> te = provenance(src.train, d.seen_test, seen);
  const std::set<int> un = provenance(src.train, d.unseen, d.unseen_classes);
  for (int j : un) REQUIRE(tr.count(j) + te.count(j) == 0);
  for (int j : te) REQUIRE(tr.count(j) == 0);
  for (const auto& name : d.unseen.class_names)
    for (const auto& seen_name : d.train.class_names) REQUIRE(name != seen_name);
}

TEST_CASE("faceid split: two-split data, unseen images from the test split then the training split",
          "[faceid]") {
  FaceIdSource src;
  src.train = make_digits(200, 3);  // 20 per class
  src.test = make_digits(50, 4);    // 5 per class
  FaceIdSplitOptions o;
  o.per_class = 12;  // 5 test images + 7 training images per unseen class
  o.seen_test_per_class = 3;
  o.train_images = 40;
  const std::vector<int> seen = {2, 3, 4, 5, 6, 7};
  const FaceIdData d = split_faceid(src, seen, o);
  REQUIRE(d.unseen_classes == std::vector<int>{0, 1, 8, 9});
  REQUIRE(d.train.size() == 40);
  REQUIRE(d.seen_test.size() == 6 * 3);
  REQUIRE(d.unseen.size() == 4 * 12);
  const std::set<int> tr = provenance(src.train, d.train, seen);
  provenance(src.test, d.seen_test, seen);
  // The first 20 unseen images come from the test split, the rest from training.
  std::vector<int> a(20), b(28);
  for (int i = 0; i < 20; ++i) a[i] = i;
  for (int i = 0; i < 28; ++i) b[i] = 20 + i;
  const Dataset from_test = subset(d.unseen, a), from_train = subset(d.unseen, b);
  provenance(src.test, from_test, d.unseen_classes);
  for (int j : provenance(src.train, from_train, d.unseen_classes)) REQUIRE(tr.count(j) == 0);
}

TEST_CASE("faceid class lists: ranges, defaults and errors naming the piece", "[faceid]") {
  REQUIRE(parse_class_list("0-5", 10) == std::vector<int>{0, 1, 2, 3, 4, 5});
  REQUIRE(parse_class_list("7,0,2-3", 10) == std::vector<int>{7, 0, 2, 3});
  REQUIRE(default_train_classes(10) == std::vector<int>{0, 1, 2, 3, 4, 5});
  REQUIRE(default_train_classes(100).size() == 60);
  REQUIRE(default_train_classes(3) == std::vector<int>{0});
  REQUIRE_THROWS_WITH(parse_class_list("5-3", 10), Contains("'5-3' is not a class or a range"));
  REQUIRE_THROWS_WITH(parse_class_list("0-10", 10), Contains("in 0..9"));
  REQUIRE_THROWS_WITH(parse_class_list("1,1", 10), Contains("class 1 is listed twice"));
  REQUIRE_THROWS_WITH(parse_class_list("0-8", 10), Contains("leaves 1 of the 10 classes unseen"));
  REQUIRE_THROWS_WITH(parse_class_list("", 10), Contains("is not a class"));
}

TEST_CASE("faceid measurements on orthogonal classes: perfect verification and identification",
          "[faceid]") {
  // 4 classes x 6 embeddings, class c along axis c (with a small spread on
  // axis 4, so genuine cosines are near 1 and impostor cosines near 0).
  const int per = 6, K = 4;
  Tensor H({K * per, 5});
  std::vector<int> y;
  for (int c = 0; c < K; ++c)
    for (int i = 0; i < per; ++i) {
      H.at(c * per + i, c) = 1;
      H.at(c * per + i, 4) = real(0.05 * i);
      y.push_back(c);
    }
  const VerificationSummary v = verify_embeddings(H, y, 1000000, 1);  // more than exist: all
  REQUIRE(v.genuine == K * per * (per - 1) / 2);
  REQUIRE(v.impostor == (K * per) * (K * per - 1) / 2 - v.genuine);
  REQUIRE(v.eer.eer == 0);
  for (const TarAtFar& t : v.tar) REQUIRE(t.tar == 1);
  REQUIRE(v.lfw.mean_accuracy == 1);
  for (double a : v.genuine_deg) REQUIRE(a < 15);
  for (double a : v.impostor_deg) REQUIRE(a > 75);

  const IdentificationSummary s = identify_embeddings(H, y, 2, 1, 3);
  REQUIRE(s.closed_identities == K);
  REQUIRE(s.closed_probes == K * (per - 2));
  REQUIRE(s.rank1 == 1);
  REQUIRE(s.open_identities == K - 1);
  REQUIRE(s.nonmated == per);
  for (const DirAtFpir& d : s.dir) REQUIRE(d.dir == 1);
}

TEST_CASE("faceid collapse: a class missing from the sample drops its row of W", "[faceid]") {
  // Classes 0, 2, 3 of K = 4 at the vertices of a triangle (a simplex ETF
  // in the plane), W = the same directions; class 1's row of W is junk.
  const double r3 = std::sqrt(3.0) / 2;
  const double v[3][2] = {{1, 0}, {-0.5, r3}, {-0.5, -r3}};
  Tensor H({6, 2});
  std::vector<int> y = {0, 0, 2, 2, 3, 3};
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 2; ++k) H.at(i, k) = real(v[i / 2][k]);
  Tensor W = Tensor::from({4, 2}, {1, 0, 5, 5, real(-0.5), real(r3), real(-0.5), real(-r3)});
  const CollapsePoint p = collapse_point(1, H, y, 4, W, Tensor());
  REQUIRE(p.classes == 3);
  REQUIRE(p.has_classifier);
  REQUIRE(p.nc1 == Approx(0).margin(1e-9));
  REQUIRE(p.nc3 == Approx(0).margin(1e-6));
  REQUIRE(p.nc4 == 0);
  REQUIRE(p.means.equiangularity == Approx(0).margin(1e-6));
  // Without W only the class-mean metrics exist.
  const CollapsePoint q = collapse_point(1, H, y, 4, Tensor(), Tensor());
  REQUIRE_FALSE(q.has_classifier);
  REQUIRE(std::isnan(q.nc3));
  REQUIRE(std::isnan(q.nc4));
  REQUIRE_THROWS_WITH(collapse_point(1, H, y, 4, Tensor::zeros({3, 2}), Tensor()),
                      Contains("expected [4, 2]"));
}

TEST_CASE("faceid: bad arguments exit with 2 and say what is allowed", "[faceid][demo]") {
  REQUIRE(std::ifstream("build/faceid").good());
  const std::string out = " --out /tmp/fg_faceid_unused";
  struct Case {
    const char* args;
    const char* says;
  };
  const Case cases[] = {
      {"--dim 1", "--dim: '1' is out of range (expected 2..4096)"},
      {"--data nonsense",
       "--data: 'nonsense' is not one of mnist|mnist:DIR|fashion|digits[:N]|folder:DIR|identities"},
      {"--data identities:1x5", "identities:IDSxPER with IDS in 3..100"},
      {"--loss nosuch",
       "--loss: objective \"nosuch\", term 1 at column 1: unknown loss 'nosuch'; valid:"},
      {"--loss arcface:s=-1", "arcface: s = -1 is out of range; allowed: (0, 1000]"},
      {"--compare --loss arcface", "--compare: runs its own list of losses"},
      {"--widths 8,8", "--widths: '8,8' is not three channel counts A,B,C, each in 1..512"},
      {"--pk 1x4", "--pk: '1x4' is not PxK with P classes (2..1000)"},
      {"--data digits:100 --train-classes 0-9",
       "--train-classes: '0-9' leaves 0 of the 10 classes unseen"},
      {"--data identities:10x8 --train-classes 0-5 --enroll 8",
       "--enroll: 8 images per identity leave no probe: the smallest unseen class has 8 images "
       "(expected 1..7)"},
      {"--data identities:10x8 --train-classes 0-5 --unenrolled 4",
       "--unenrolled: 4 of the 4 unseen classes leaves nobody enrolled (expected 0..3)"},
      {"--data identities:10x8 --train-classes 0-1 --pk 3x4",
       "--pk: P = 3 classes per batch but only 2"},
      {"--loss arcface center.alpha_c=0.3",
       "center.alpha_c=0.3: no loss asked for has a term 'center'"},
      {"--loss arcface,cosface s=30", "s=30: with several losses, write the parameter inside one"},
      {"--epochs 0", "--epochs: '0' is out of range (expected 1..10000)"},
      {"--lr abc", "--lr: 'abc' is not a number"},
      {"--per-class 1", "--per-class: '1' is out of range (expected 2..100000)"},
      {"--impostors 10", "--impostors: '10' is out of range"},
      {"--no-2d=maybe", "--no-2d: 'maybe' is not yes or no"},
      {"--losses arcface", "unknown option --losses"},
  };
  for (const Case& c : cases) {
    auto [code, err] = fg_test::run_command(std::string("build/faceid ") + c.args + out);
    INFO("faceid " << c.args << "\n" << err);
    CHECK(code == 2);
    CHECK_THAT(err, Contains(c.says));
    CHECK_THAT(err, Contains("usage: faceid"));
  }
}

TEST_CASE("faceid end to end on synthetic identities: tables and pictures",
          "[faceid][demo][slow]") {
  fg_test::TempDir dir;
  const std::string out = dir.file("out");
  // Two objectives (one with a parameter in the list), 2-D and 8-D, a narrow LeNet++.
  auto [code, err] =
      fg_test::run_command("build/faceid --data identities:12x24 --widths 4,8,8 --epochs 2 --batch 32 "
          "--loss softmax --loss arcface:s=16,m=0.2 --dim 8 --threads 1 --quiet --out " +
          out);
  INFO(err);
  REQUIRE(code == 0);
  const std::string md = slurp(out + "/results.md");
  REQUIRE_THAT(
      md,
      Contains(
          "| loss | dim | TAR@FAR=1e-2 | EER | LFW acc | rank-1 | DIR@FPIR=1e-2 | NC1 final |"));
  REQUIRE_THAT(md, Contains("evaluating on 5 unseen classes"));
  // A summary row per run, each number a rate in [0, 1] (NC1 only >= 0).
  int rows = 0;
  std::istringstream lines(
      md.substr(md.find("## Summary"), md.find("## Verification") - md.find("## Summary")));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    ++rows;
    std::vector<double> vals;
    std::istringstream cells(line);
    std::string cell;
    int col = 0;
    while (std::getline(cells, cell, '|'))
      if (col++ >= 3 && cell.find_first_not_of(' ') != std::string::npos)
        vals.push_back(std::stod(cell));
    REQUIRE(vals.size() == 6);
    for (size_t k = 0; k + 1 < vals.size(); ++k) {
      CHECK(vals[k] >= 0);
      CHECK(vals[k] <= 1);
    }
    CHECK(vals.back() >= 0);
  }
  REQUIRE(rows == 4);
  const std::string js = slurp(out + "/results.json");
  REQUIRE_THAT(js, Contains("\"loss\": \"arcface:m=0.2,s=16\""));
  REQUIRE_THAT(js, Contains("\"slug\": \"softmax_d8\""));
  REQUIRE_THAT(js, Contains("\"dir_at_fpir\""));
  // Pictures: PNG files of reasonable size.
  std::vector<std::string> pngs = {"roc.png"};
  for (const char* run : {"softmax_d2", "softmax_d8"})
    for (const char* f : {"roc.png", "angles.png", "collapse.png"})
      pngs.push_back(std::string(run) + "/" + f);
  pngs.push_back("softmax_d2/features.png");
  for (const auto& p : pngs) {
    const std::string bytes = slurp(out + "/" + p);
    INFO(p);
    REQUIRE(bytes.size() > 5000);
    REQUIRE(bytes.compare(0, 4, "\x89PNG") == 0);
  }
}
