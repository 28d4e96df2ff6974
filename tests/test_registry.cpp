// The loss registry and key=value parameters: names, help, errors a person
// can act on, ranges, ownership of parameters and seeded initialisation.
#include <catch2/catch.hpp>

#include <algorithm>

#include "losses/objective.hpp"
#include "losses/params.hpp"
#include "losses/registry.hpp"

using namespace fg;

namespace {
const std::vector<std::string> kSoftmaxAngular = {"softmax",  "l2softmax", "normface", "coco",
                                                  "lsoftmax", "asoftmax",  "amsoftmax", "cosface",
                                                  "arcface",  "combined"};
LossContext ctx(int K = 5, int N = 3, uint64_t seed = 0) { return LossContext{K, N, seed}; }
}  // namespace

TEST_CASE("registry: every softmax-family and angular loss by name", "[registry]") {
  const std::vector<std::string> names = loss_names();
  for (const std::string& n : kSoftmaxAngular) {
    INFO(n);
    REQUIRE(std::count(names.begin(), names.end(), n) == 1);
    auto loss = make_loss(n, {}, ctx());
    CHECK(loss->name() == n);
    CHECK(loss->describe().rfind(n, 0) == 0);
    const Tensor W = loss->class_weights();
    CHECK(W.shape() == Shape{5, 3});
    const std::string help = loss_help(n);
    for (const ParamSpec& p : loss_spec(n).params) CHECK_THAT(help, Catch::Contains(p.key + "="));
  }
  const std::string all = all_losses_help();
  for (const std::string& n : kSoftmaxAngular) CHECK_THAT(all, Catch::Contains(n));
}

TEST_CASE("registry: unknown names and parameters list the valid ones", "[registry]") {
  CHECK_THROWS_WITH(make_loss("arcfac", {}, ctx()),
                    Catch::Contains("unknown loss 'arcfac'") && Catch::Contains("arcface") &&
                        Catch::Contains("softmax") && Catch::Contains("combined"));
  CHECK_THROWS_WITH(make_loss("arcface", {{"x", "1"}}, ctx()),
                    Catch::StartsWith("unknown parameter 'x' for arcface; valid: s, m, easy_margin"));
  CHECK_THROWS_WITH(make_loss("softmax", {{"s", "1"}}, ctx()),
                    Catch::Contains("unknown parameter 's' for softmax; valid: bias"));
  CHECK_THROWS_WITH(parse_key_values({"s64"}), Catch::Contains("'s64'") && Catch::Contains("key=value"));
  CHECK(parse_key_values({"s=64", "m=0.5"}) == LossParams{{"s", "64"}, {"m", "0.5"}});
}

TEST_CASE("registry: values out of range say what is allowed", "[registry]") {
  struct Bad {
    const char* loss;
    LossParams p;
    const char* says;
  };
  const Bad bad[] = {
      {"arcface", {{"m", "-0.1"}}, "arcface: m = -0.1 is out of range; allowed: [0, 1.5708]"},
      {"cosface", {{"m", "-1"}}, "allowed: [0, 2]"},
      {"amsoftmax", {{"s", "0"}}, "s = 0 is out of range; allowed: (0, 1000]"},
      {"normface", {{"s", "-3"}}, "allowed: (0, 1000]"},
      {"normface", {{"s", "abc"}}, "'abc' is not a number"},
      {"lsoftmax", {{"m", "0"}}, "allowed: an integer in [1, 20]"},
      {"lsoftmax", {{"m", "1.5"}}, "allowed: an integer in [1, 20]"},
      {"asoftmax", {{"m", "2.5"}}, "an integer"},
      {"asoftmax", {{"lambda", "-1"}}, "allowed: [0, 1e+06]"},
      {"l2softmax", {{"p", "1"}}, "allowed: (0, 1)"},
      {"l2softmax", {{"p", "0"}}, "allowed: (0, 1)"},
      {"coco", {{"alpha", "0"}}, "allowed: (0, 1000]"},
      {"combined", {{"m1", "0.4"}}, "allowed: [0.5, 10]"},
      {"combined", {{"m3", "-0.2"}}, "allowed: [0, 2]"},
      {"arcface", {{"easy_margin", "2"}}, "allowed: 0 or 1"},
      {"cosface", {{"warmup", "-5"}}, "an integer in [0, 1e+09]"},
  };
  for (const Bad& b : bad) {
    INFO(b.loss);
    CHECK_THROWS_WITH(make_loss(b.loss, b.p, ctx()), Catch::Contains(b.says));
  }
  CHECK_THROWS_WITH(make_loss("softmax", {}, ctx(0, 3)), Catch::Contains("K >= 1"));
}

TEST_CASE("registry: losses own their parameters, seeded", "[registry]") {
  auto names_of = [](Loss& l) {
    std::vector<std::string> n;
    for (auto& kv : l.parameters()) n.push_back(kv.first);
    return n;
  };
  using V = std::vector<std::string>;
  CHECK(names_of(*make_loss("softmax", {}, ctx())) == V{"W"});
  CHECK(names_of(*make_loss("softmax", {{"bias", "1"}}, ctx())) == V{"W", "b"});
  CHECK(names_of(*make_loss("l2softmax", {}, ctx())) == V{"W", "alpha"});
  CHECK(names_of(*make_loss("l2softmax", {{"learn_alpha", "0"}}, ctx())) == V{"W"});
  CHECK(names_of(*make_loss("normface", {}, ctx())) == V{"W", "s"});
  CHECK(names_of(*make_loss("arcface", {}, ctx())) == V{"W"});
  CHECK(names_of(*make_loss("arcface", {{"learn_s", "1"}}, ctx())) == V{"W", "s"});
  CHECK(names_of(*make_loss("coco", {}, ctx())).empty());
  CHECK(names_of(*make_loss("lsoftmax", {}, ctx())) == V{"W"});

  // Learnable scalars start where the lecture says.
  auto s_of = [](Loss& l) {
    for (auto& kv : l.parameters())
      if (kv.first == "s") return double(kv.second.value()[0]);
    return -1.0;
  };
  CHECK(s_of(*make_loss("normface", {}, ctx())) == 10);
  CHECK(make_loss("cosface", {}, ctx())->describe() == "cosface s=64 m=0.35");
  CHECK(make_loss("amsoftmax", {}, ctx())->describe() == "amsoftmax s=30 m=0.4");
  CHECK(make_loss("arcface", {}, ctx())->describe() == "arcface s=64 m=0.5");
  CHECK(make_loss("combined", {}, ctx())->describe() == "combined s=64 m1=1 m2=0.3 m3=0.2");
  CHECK(make_loss("lsoftmax", {}, ctx())->describe() == "lsoftmax m=2 lambda=1000");
  CHECK(make_loss("asoftmax", {}, ctx())->describe() == "asoftmax m=4 lambda=1000");

  // Same seed, same W; another seed, another W.
  const Tensor a = make_loss("arcface", {}, ctx(5, 3, 1))->class_weights();
  const Tensor b = make_loss("arcface", {}, ctx(5, 3, 1))->class_weights();
  const Tensor c = make_loss("arcface", {}, ctx(5, 3, 2))->class_weights();
  bool equal = true, differ = false;
  for (int64_t i = 0; i < a.numel(); ++i) equal = equal && a[i] == b[i], differ = differ || a[i] != c[i];
  CHECK(equal);
  CHECK(differ);

  // set_parameter: by name, same shape; errors name the loss and the shapes.
  auto loss = make_loss("normface", {}, ctx());
  Var W = param(Tensor({5, 3}, 0.5));
  loss->set_parameter("W", W);
  CHECK(loss->class_weights()[0] == real(0.5));
  CHECK_THROWS_WITH(loss->set_parameter("W", param(Tensor({4, 3}))),
                    Catch::Contains("normface") && Catch::Contains("[5, 3]") && Catch::Contains("[4, 3]"));
  CHECK_THROWS_WITH(loss->set_parameter("T", W), Catch::Contains("no parameter 'T'"));
  CHECK_THROWS_WITH(loss->forward(LossInput{constant(Tensor({2, 3})), {0, 5}, nullptr}),
                    Catch::Contains("label 5") && Catch::Contains("0..4"));
  CHECK_THROWS_WITH(loss->forward(LossInput{constant(Tensor({2, 4})), {0, 1}, nullptr}),
                    Catch::Contains("m x 3"));
}

TEST_CASE("registry: ranges print as they check", "[registry]") {
  CHECK(Range::positive().str() == "(0, inf)");
  CHECK(Range::closed(0, 2).str() == "[0, 2]");
  CHECK(Range::open(0, 1).str() == "(0, 1)");
  CHECK(Range::integers(1).str() == "an integer >= 1");
  CHECK(Range::flag().str() == "0 or 1");
  CHECK(Range::positive().contains(1e-9));
  CHECK_FALSE(Range::positive().contains(0));
  CHECK_FALSE(Range::open(0, 1).contains(1));
  CHECK(Range::closed(0, 1).contains(1));
  CHECK_FALSE(Range::integers(1, 5).contains(2.5));
  CHECK_FALSE(Range::any().contains(std::nan("")));
}

TEST_CASE("registry: every parameter states a finite range or its words", "[registry][bounds]") {
  for (const std::string& n : loss_names())
    for (const ParamSpec& p : loss_spec(n).params) {
      INFO(n << "." << p.key << ": " << p.range.str());
      CHECK(p.range.bounded());
      CHECK_THAT(p.range.str(), !Catch::Contains("inf") && !Catch::Contains("any number"));
    }
  CHECK(Range::one_of({"all", "hard"}).str() == "one of all, hard");
  CHECK_FALSE(Range::one_of({"all"}).contains(0));
  CHECK_FALSE(Range::any().bounded());
  CHECK(Range::closed(0, 4).bounded());
  CHECK_FALSE(Range::integers(0).bounded());
}

TEST_CASE("registry: a value past its range is refused when the objective is read",
          "[registry][bounds]") {
  const LossContext c = ctx(4, 3);
  auto refusal = [&](const std::string& text, const LossParams& extra = {}) -> std::string {
    try {
      make_objective(text, c, extra);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  // The whole message: the term (its number and name), the key, the value, the range.
  CHECK(refusal("arcface:s=1e30") ==
        "objective \"arcface:s=1e30\", term 1 at column 1: arcface: s = 1e30 is out of range; "
        "allowed: (0, 1000]\n  arcface:s=1e30\n  ^^^^^^^^^^^^^^");
  CHECK(refusal("softmax+0.01*center:alpha_c=1.5") ==
        "objective \"softmax+0.01*center:alpha_c=1.5\", term 2 at column 9: center: alpha_c = 1.5 "
        "is out of range; allowed: [0, 1]\n  softmax+0.01*center:alpha_c=1.5\n          "
        "^^^^^^^^^^^^^^^^^^^^^^^");
  // From the command line (term.key=value) the same.
  CHECK_THAT(refusal("softmax+normface", {{"normface.s", "1000.5"}}),
             Catch::StartsWith("objective \"softmax+normface\", term 2 at column 9: normface: s = "
                               "1000.5 is out of range; allowed: (0, 1000]"));
  CHECK_THAT(refusal("lsoftmax:lambda=2e6"),
             Catch::Contains("term 1 at column 1: lsoftmax: lambda = 2e6 is out of range; allowed: [0, 1e+06]"));
  CHECK_THAT(refusal("coco:alpha=1e300"),
             Catch::Contains("coco: alpha = 1e300 is out of range; allowed: (0, 1000]"));
  CHECK_THAT(refusal("marginal:theta=4.01"),
             Catch::Contains("marginal: theta = 4.01 is out of range; allowed: [0, 4]"));
  CHECK_THAT(refusal("triplet:alpha=-0.1"),
             Catch::Contains("triplet: alpha = -0.1 is out of range; allowed: [0, 1000]"));
  CHECK_THAT(refusal("cosface:warmup=1000000001"),
             Catch::Contains("cosface: warmup = 1000000001 is out of range; allowed: an integer in [0, 1e+09]"));
  CHECK_THAT(refusal("combined:m1=0.49"),
             Catch::Contains("combined: m1 = 0.49 is out of range; allowed: [0.5, 10]"));
  CHECK(refusal("combined:m1=0.9,m2=0.4,m3=0.15").empty());  // the ArcFace paper's combined setting
  CHECK_THAT(refusal("range:k=1001"),
             Catch::Contains("range: k = 1001 is out of range; allowed: an integer in [1, 1000]"));
  // The boundary values themselves are taken.
  for (const char* ok : {"arcface:s=1000", "normface:s=1e-9", "coco:alpha=1000", "l2softmax:alpha=1000",
                         "marginal:theta=4,xi=4", "marginal:theta=0,xi=0", "triplet:alpha=0",
                         "triplet:alpha=1000", "contrastive:margin=1000", "cosface:warmup=1000000000",
                         "lsoftmax:lambda=1e6,base=1e6,gamma=1000,power=100,lambda_min=1e6",
                         "range:k=1000,margin=1e6,alpha=1000,beta=1000", "tse:alpha=1000",
                         "tpe:mining_alpha=1000", "lsoftmax:m=20"}) {
    INFO(ok);
    CHECK(refusal(ok) == "");
  }
}
