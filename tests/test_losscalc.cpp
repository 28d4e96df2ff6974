// build/losscalc run as a program on files written to a temporary directory:
// a value and gradients worked out by hand, agreement with the loss objects
// for every name, and bad input giving exit code 2 with a message that names
// the file, the row and the problem.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/data/csv.hpp"
#include "data_test_util.hpp"
#include "loss_test_util.hpp"

using namespace fg;
using namespace fg_test;

namespace {

const char* kLosscalc = "build/losscalc";  // the suites run from the repository root

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr
};

Result run(const std::string& args) {
  Result r;
  FILE* p = ::popen((std::string(kLosscalc) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

double printed_loss(const Result& r) {
  const size_t at = r.out.find("loss ");
  return at == std::string::npos ? NAN : std::stod(r.out.substr(at + 5));
}

bool have_losscalc() {
  std::ifstream f(kLosscalc);
  return f.good();
}

}  // namespace

TEST_CASE("losscalc: a value and gradients worked out by hand", "[losscalc]") {
  REQUIRE(have_losscalc());  // built by `make test-*` before the suites run
  TempDir dir;
  write_text(dir.file("f.csv"), "1, 0\n");
  write_text(dir.file("l.csv"), "0\n");
  write_text(dir.file("w.csv"), "1,0\n0,1\n");
  const Result r = run("softmax --features " + dir.file("f.csv") + " --labels " + dir.file("l.csv") +
                       " --weights " + dir.file("w.csv") + " --grads " + dir.file("g"));
  INFO(r.out);
  REQUIRE(r.code == 0);
  // Logits (1, 0): loss log(1 + e^-1); p = (e, 1) / (e + 1), dL/dz = p - (1, 0) = (-q, q)
  // with q = 1 / (e + 1); dL/dh = sum_j dL/dz_j W_j = (-q, q); dL/dW_j = dL/dz_j h.
  CHECK(printed_loss(r) == Approx(std::log1p(std::exp(-1.0))).epsilon(1e-7));
  const double q = 1 / (std::exp(1.0) + 1);
  const Tensor gh = csv_tensor(read_csv(dir.file("g/features.csv")));
  const Tensor gw = csv_tensor(read_csv(dir.file("g/weights.csv")));
  REQUIRE(gh.shape() == Shape{1, 2});
  REQUIRE(gw.shape() == Shape{2, 2});
  CHECK(gh[0] == Approx(-q).epsilon(1e-6));
  CHECK(gh[1] == Approx(q).epsilon(1e-6));
  CHECK(gw[0] == Approx(-q).epsilon(1e-6));
  CHECK(gw[1] == 0);
  CHECK(gw[2] == Approx(q).epsilon(1e-6));
  CHECK(gw[3] == 0);
}

TEST_CASE("losscalc: every softmax-family and angular loss agrees with its loss object",
          "[losscalc]") {
  REQUIRE(have_losscalc());
  TempDir dir;
  const int m = 6, N = 3, K = 4;
  const Tensor h = random_matrix(m, N, 1), W = random_matrix(K, N, 2);
  const std::vector<int> y = {0, 1, 2, 3, 1, 2};
  write_csv(dir.file("f.csv"), h);
  write_csv(dir.file("w.csv"), W);
  write_text(dir.file("l.csv"), "0\n1\n2\n3\n1\n2\n");
  for (const std::string name : {"softmax", "l2softmax", "normface", "coco", "lsoftmax", "asoftmax",
                                 "amsoftmax", "cosface", "arcface", "combined"}) {
    const LossParams p = name == "lsoftmax" || name == "asoftmax" ? LossParams{{"lambda", "0"}}
                                                                   : LossParams{};
    auto loss = make_loss(name, p, LossContext{K, N, 0});
    const bool has_W = !loss->class_weights().empty() && name != "coco";
    Var hv = param(h.clone());
    if (has_W) loss->set_parameter("W", constant(W));
    Var L = loss->forward(LossInput{hv, y, nullptr});
    backward(L);
    std::string args = name + (p.empty() ? "" : " lambda=0") + " --features " + dir.file("f.csv") +
                       " --labels " + dir.file("l.csv") + " --grads " + dir.file("g_" + name);
    if (has_W) args += " --weights " + dir.file("w.csv");
    const Result r = run(args);
    INFO(name << ": " << r.out);
    REQUIRE(r.code == 0);
    CHECK(printed_loss(r) == Approx(L.value()[0]).epsilon(1e-4));
    const Tensor gh = csv_tensor(read_csv(dir.file("g_" + name + "/features.csv")));
    REQUIRE(gh.shape() == h.shape());
    for (int64_t i = 0; i < gh.numel(); ++i)
      CHECK(gh[i] == Approx(hv.grad()[i]).epsilon(1e-3).margin(1e-4));
  }
}

TEST_CASE("losscalc: bad input exits 2 naming the file, the row and the problem", "[losscalc]") {
  REQUIRE(have_losscalc());
  TempDir dir;
  const std::string f = dir.file("f.csv"), l = dir.file("l.csv"), w = dir.file("w.csv");
  write_text(f, "1,2\n3,4\n5,6\n");
  write_text(l, "0\n1\n1\n");
  write_text(w, "1,0\n0,1\n");
  const std::string good = " --features " + f + " --labels " + l;
  REQUIRE(run("softmax" + good).code == 0);

  struct Bad {
    std::string file, text, args, says1, says2;
  };
  const std::vector<Bad> bad = {
      {"f.csv", "1,2\n3\n5,6\n", "softmax" + good, "f.csv, row 2", "1 value, but row 1 has 2"},
      {"f.csv", "1,2\n3,x\n5,6\n", "softmax" + good, "f.csv, row 2, column 2", "'x' is not a number"},
      {"f.csv", "1,2\n\n5,6\n", "softmax" + good, "f.csv, row 2", "empty row"},
      {"f.csv", "", "softmax" + good, "f.csv", "no rows"},
      {"l.csv", "0\n1.5\n1\n", "softmax" + good, "l.csv, row 2", "1.5 is not an integer"},
      {"l.csv", "0\n1\n7\n", "softmax" + good + " --weights " + w, "l.csv, row 3",
       "label 7 is outside 0..1"},
      {"l.csv", "0\n-1\n1\n", "softmax" + good, "l.csv, row 2", "label -1"},
      {"l.csv", "0\n1\n", "softmax" + good, "l.csv", "2 labels, but"},
      {"w.csv", "1,0,0\n0,1,0\n", "softmax" + good + " --weights " + w, "w.csv, row 1",
       "3 values per row"},
      {"w.csv", "1,0\n0,1\n", "coco" + good + " --weights " + w, "w.csv", "no class weights"},
  };
  for (const Bad& b : bad) {
    write_text(f, "1,2\n3,4\n5,6\n");
    write_text(l, "0\n1\n1\n");
    write_text(w, "1,0\n0,1\n");
    write_text(dir.file(b.file), b.text);
    const Result r = run(b.args);
    INFO(b.file << " = '" << b.text << "': " << r.out);
    CHECK(r.code == 2);
    CHECK_THAT(r.out, Catch::Contains(b.says1) && Catch::Contains(b.says2));
  }
  write_text(f, "1,2\n3,4\n5,6\n");
  write_text(l, "0\n1\n1\n");
  const Result unknown = run("arcfac" + good);
  CHECK(unknown.code == 2);
  CHECK_THAT(unknown.out, Catch::Contains("unknown loss 'arcfac'") && Catch::Contains("arcface"));
  const Result param = run("arcface x=1" + good);
  CHECK(param.code == 2);
  CHECK_THAT(param.out, Catch::Contains("unknown parameter 'x' for arcface; valid: s, m"));
  const Result range = run("arcface m=-1" + good);
  CHECK(range.code == 2);
  CHECK_THAT(range.out, Catch::Contains("allowed: [0, 1.5708]"));
  const Result missing = run("softmax --features " + dir.file("nope.csv") + " --labels " + l);
  CHECK(missing.code == 2);
  CHECK_THAT(missing.out, Catch::Contains("nope.csv"));
  const Result no_labels = run("softmax --features " + f);
  CHECK(no_labels.code == 2);
  CHECK_THAT(no_labels.out, Catch::Contains("--labels"));
}

TEST_CASE("losscalc: --help lists the losses and their parameters; K=", "[losscalc]") {
  REQUIRE(have_losscalc());
  const Result help = run("--help");
  CHECK(help.code == 0);
  for (const char* s : {"softmax", "l2softmax", "coco", "lsoftmax", "arcface", "combined",
                        "easy_margin=0", "lambda_min=5", "--grads", "--explain", "--sample N"})
    CHECK_THAT(help.out, Catch::Contains(s));
  const Result one = run("cosface --help");
  CHECK(one.code == 0);
  CHECK_THAT(one.out, Catch::Contains("s=64") && Catch::Contains("m=0.35"));

  // K= widens the classifier beyond the labels: a third, untrained class
  // changes the softmax of cosface's logits.
  TempDir dir;
  write_text(dir.file("f.csv"), "1,0\n0,1\n");
  write_text(dir.file("l.csv"), "0\n1\n");
  const std::string io = " --features " + dir.file("f.csv") + " --labels " + dir.file("l.csv");
  const Result k2 = run("cosface" + io), k3 = run("cosface K=3" + io);
  REQUIRE(k2.code == 0);
  REQUIRE(k3.code == 0);
  CHECK(printed_loss(k2) != printed_loss(k3));
  CHECK(run("cosface K=1" + io).code == 2);  // label 1 is outside 0..0
}

TEST_CASE("losscalc --explain: the loss's nodes in backward order, a bad --sample refused", "[losscalc]") {
  REQUIRE(have_losscalc());
  TempDir dir;
  write_text(dir.file("f.csv"), "0.6,0.8\n-1,0.2\n0.3,-0.9\n");
  write_text(dir.file("l.csv"), "0\n1\n2\n");
  write_text(dir.file("w.csv"), "1,0\n-0.5,0.866\n-0.5,-0.866\n");
  const std::string io = " --features " + dir.file("f.csv") + " --labels " + dir.file("l.csv") +
                         " --weights " + dir.file("w.csv");
  const Result r = run("arcface s=4 m=0.3" + io + " --explain --sample 1");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("sample 1 of 3 (label 1)"));
  // ArcFace's graph: cos theta = l2_normalize(h) l2_normalize(W)^T (matmul),
  // then the margin-softmax node; backward visits the loss first, h and W last.
  const char* in_order[] = {"\n#6 margin_softmax [1]\n", "\n#5 matmul [3, 3], row 1\n",
                            "\n#4 l2_normalize [3, 2]\n", "\n#2 l2_normalize [3, 2], row 1\n",
                            "\n#1 param h [3, 2], row 1\n", "   value    (-1, 0.2)\n", "\n#3 param W [3, 2]\n"};
  size_t at = 0;
  for (const char* s : in_order) {
    const size_t next = r.out.find(s, at);
    CHECK(next != std::string::npos);
    if (next != std::string::npos) at = next;
  }
  CHECK_THAT(r.out, Catch::Contains("d value/d #1 h") && Catch::Contains("numeric") &&
                        Catch::Contains("largest gap"));
  // Nothing else changes: the loss line comes first, as without --explain.
  CHECK(r.out.rfind("loss ", 0) == 0);

  for (const std::string bad : {"3", "-1", "x", "1.5"}) {
    const Result b = run("arcface" + io + " --explain --sample " + bad);
    INFO(b.out);
    CHECK(b.code == 2);
    CHECK_THAT(b.out, Catch::Contains("--sample " + bad + ": expected a row of") &&
                          Catch::Contains("0..2 (it has 3 rows)"));
  }
  const Result alone = run("arcface" + io + " --sample 1");
  CHECK(alone.code == 2);
  CHECK_THAT(alone.out, Catch::Contains("give --explain too"));
  CHECK(run("arcface" + io + " --explain --sample").code == 2);
}
