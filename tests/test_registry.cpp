// The loss registry and key=value parameters: names, help, errors a person
// can act on, ranges, ownership of parameters and seeded initialisation.
#include <catch2/catch.hpp>

#include <algorithm>

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
      {"amsoftmax", {{"s", "0"}}, "s = 0 is out of range; allowed: (0, inf)"},
      {"normface", {{"s", "-3"}}, "allowed: (0, inf)"},
      {"normface", {{"s", "abc"}}, "'abc' is not a number"},
      {"lsoftmax", {{"m", "0"}}, "allowed: an integer in [1, 20]"},
      {"lsoftmax", {{"m", "1.5"}}, "allowed: an integer in [1, 20]"},
      {"asoftmax", {{"m", "2.5"}}, "an integer"},
      {"asoftmax", {{"lambda", "-1"}}, "allowed: [0, inf)"},
      {"l2softmax", {{"p", "1"}}, "allowed: (0, 1)"},
      {"l2softmax", {{"p", "0"}}, "allowed: (0, 1)"},
      {"coco", {{"alpha", "0"}}, "allowed: (0, inf)"},
      {"combined", {{"m1", "0.5"}}, "allowed: [1, 10]"},
      {"combined", {{"m3", "-0.2"}}, "allowed: [0, 2]"},
      {"arcface", {{"easy_margin", "2"}}, "allowed: 0 or 1"},
      {"cosface", {{"warmup", "-5"}}, "an integer >= 0"},
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
