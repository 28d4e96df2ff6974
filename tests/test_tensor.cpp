#include <catch2/catch.hpp>
#include <sstream>

#include "core/random.hpp"
#include "core/tensor.hpp"

using namespace fg;

TEST_CASE("tensor: constructors, element access and shape queries", "[tensor]") {
  Tensor z = Tensor::zeros({2, 3});
  REQUIRE(z.numel() == 6);
  REQUIRE(z.dim() == 2);
  REQUIRE(z.size(-1) == 3);
  REQUIRE(z[5] == 0);
  Tensor o = Tensor::ones({4});
  REQUIRE(o[3] == 1);
  Tensor f = Tensor::from({2, 2}, {1, 2, 3, 4});
  REQUIRE(f.at(1, 0) == 3);
  REQUIRE_THROWS_AS(Tensor::from({2, 2}, {1, 2, 3}), Error);
  REQUIRE_THROWS_WITH(z.size(2), Catch::Contains("axis 2") && Catch::Contains("[2, 3]"));
}

TEST_CASE("tensor: reshape shares storage, clone does not", "[tensor]") {
  Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = a.reshape({3, -1});
  REQUIRE(b.shape() == Shape{3, 2});
  b[0] = 42;
  REQUIRE(a[0] == 42);
  Tensor c = a.clone();
  c[1] = -1;
  REQUIRE(a[1] == 2);
  REQUIRE_THROWS_WITH(a.reshape({4, 2}), Catch::Contains("[2, 3]") && Catch::Contains("[4, 2]"));
  REQUIRE_THROWS_AS(a.reshape({-1, -1}), Error);
}

TEST_CASE("tensor: seeded generators repeat and have the asked moments", "[tensor]") {
  Rng r1(7), r2(7);
  Tensor a = Tensor::randn({10000}, r1, 1, 2), b = Tensor::randn({10000}, r2, 1, 2);
  double mean = 0, var = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    REQUIRE(a[i] == b[i]);
    mean += a[i];
  }
  mean /= a.numel();
  for (int64_t i = 0; i < a.numel(); ++i) var += (a[i] - mean) * (a[i] - mean);
  var /= a.numel();
  REQUIRE(mean == Approx(1).margin(0.06));
  REQUIRE(std::sqrt(var) == Approx(2).margin(0.06));
  Tensor u = Tensor::uniform({1000}, r1, -3, -2);
  for (int64_t i = 0; i < u.numel(); ++i) REQUIRE((u[i] >= -3 && u[i] < -2));
}

TEST_CASE("tensor: print is readable and elides large tensors", "[tensor]") {
  std::ostringstream os;
  os << Tensor::from({2, 2}, {1, 2.5, 3, 4});
  REQUIRE(os.str() == "Tensor[2, 2] {\n  1, 2.5\n  3, 4\n}");
  const std::string big = Tensor::zeros({100, 100}).str();
  REQUIRE(big.find("more rows") != std::string::npos);
  REQUIRE(big.size() < 600);
}

TEST_CASE("tensor: shape checks name the op and both shapes", "[tensor]") {
  REQUIRE_THROWS_WITH(check_same_shape("add", Tensor({2, 3}), Tensor({3, 2})),
                      "add: shapes [2, 3] and [3, 2] differ");
  REQUIRE_THROWS_WITH(check_dim("matmul", Tensor({2}), 2), Catch::Contains("matmul") &&
                                                                Catch::Contains("2-D"));
}
