#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include "core/data/checkpoint.hpp"
#include "core/random.hpp"

using namespace fg;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("fg_ckpt_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}
std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void spit(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}
Checkpoint sample() {
  Rng r(3);
  Checkpoint ck;
  ck.tensors.emplace_back("model/w", Tensor::randn({3, 4}, r));
  ck.tensors.emplace_back("model/b", Tensor::randn({4}, r));
  ck.tensors.emplace_back("optim/step", Tensor::scalar(17));
  ck.meta["epoch"] = "2";
  ck.meta["rng"] = "some state";
  return ck;
}
}  // namespace

TEST_CASE("checkpoint: round trip keeps names, shapes, values and metadata", "[checkpoint]") {
  const fs::path p = temp_dir() / "a.ckpt";
  const Checkpoint ck = sample();
  save_checkpoint(p.string(), ck);
  const Checkpoint back = load_checkpoint(p.string());
  REQUIRE(back.tensors.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    REQUIRE(back.tensors[i].first == ck.tensors[i].first);
    REQUIRE(back.tensors[i].second.shape() == ck.tensors[i].second.shape());
    for (int64_t j = 0; j < ck.tensors[i].second.numel(); ++j)
      REQUIRE(back.tensors[i].second[j] == ck.tensors[i].second[j]);
  }
  REQUIRE(back.meta.at("rng") == "some state");
  REQUIRE(back.with_prefix("model/").size() == 2);
  REQUIRE(back.with_prefix("model/")[0].first == "w");
  // No temporary file is left beside it.
  int files = 0;
  for (auto& e : fs::directory_iterator(p.parent_path())) files += e.path().filename() != "a.ckpt";
  REQUIRE(files == 0);
  fs::remove_all(p.parent_path());
}

TEST_CASE("checkpoint: every truncation and a flipped bit are named errors", "[checkpoint]") {
  const fs::path dir = temp_dir(), p = dir / "b.ckpt", bad = dir / "bad.ckpt";
  save_checkpoint(p.string(), sample());
  const std::string bytes = slurp(p);
  for (size_t n = 0; n < bytes.size(); ++n) {
    spit(bad, bytes.substr(0, n));
    REQUIRE_THROWS_WITH(load_checkpoint(bad.string()), Catch::Contains("bad.ckpt"));
  }
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string flipped = bytes;
    flipped[i] = char(flipped[i] ^ 0x10);
    spit(bad, flipped);
    REQUIRE_THROWS_AS(load_checkpoint(bad.string()), Error);
  }
  REQUIRE_THROWS_WITH(load_checkpoint((dir / "missing.ckpt").string()),
                      Catch::Contains("missing.ckpt"));
  fs::remove_all(dir);
}

TEST_CASE("checkpoint: restore names a missing, extra or reshaped tensor", "[checkpoint]") {
  Tensor w({3, 4}), b({4});
  const Checkpoint ck = sample();
  std::vector<NamedTensor> model{{"w", w}, {"b", b}};
  restore_tensors(ck.with_prefix("model/"), model, "parameter", "x.ckpt");
  REQUIRE(w[5] == ck.tensors[0].second[5]);
  std::vector<NamedTensor> wrong_shape{{"w", Tensor({4, 3})}, {"b", b}};
  REQUIRE_THROWS_WITH(restore_tensors(ck.with_prefix("model/"), wrong_shape, "parameter", "x.ckpt"),
                      Catch::Contains("'w'") && Catch::Contains("[3, 4]") &&
                          Catch::Contains("[4, 3]"));
  std::vector<NamedTensor> missing{{"w", w}, {"b", b}, {"c", Tensor({1})}};
  REQUIRE_THROWS_WITH(restore_tensors(ck.with_prefix("model/"), missing, "parameter", "x.ckpt"),
                      Catch::Contains("'c'") && Catch::Contains("missing"));
  std::vector<NamedTensor> fewer{{"w", w}};
  REQUIRE_THROWS_WITH(restore_tensors(ck.with_prefix("model/"), fewer, "parameter", "x.ckpt"),
                      Catch::Contains("'b'"));
}

TEST_CASE("checkpoint: an unwritable folder is an error naming the path", "[checkpoint]") {
  REQUIRE_THROWS_WITH(save_checkpoint("/nonexistent-dir/sub/c.ckpt", sample()),
                      Catch::Contains("/nonexistent-dir/sub"));
}

// A full disk, as the writer sees it: a write that stops part way. A file-size
// limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes the kernel cut the write
// short the same way, without needing a small file system.
TEST_CASE("checkpoint: a write cut short (full disk) is an error naming the path; the last checkpoint stays whole",
          "[checkpoint][faults]") {
  const fs::path dir = temp_dir();
  const fs::path p = dir / "run.ckpt";
  save_checkpoint(p.string(), sample());
  const std::string before = slurp(p);
  REQUIRE(before.size() > 100);

  Checkpoint big = sample();
  Rng r(5);
  big.tensors.emplace_back("model/big", Tensor::randn({64, 1024}, r));  // 256 KiB at float
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit cap = old;
  cap.rlim_cur = 64 * 1024;  // the new file cannot grow past 64 KiB
  REQUIRE(setrlimit(RLIMIT_FSIZE, &cap) == 0);
  std::string message;
  try {
    save_checkpoint(p.string(), big);
  } catch (const Error& e) {
    message = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);

  REQUIRE_THAT(message, Catch::Contains(p.string()) && Catch::Contains("cannot write"));
  REQUIRE(slurp(p) == before);  // the previous checkpoint, byte for byte
  REQUIRE(load_checkpoint(p.string()).tensors.size() == 3);
  int others = 0;  // and no partial temporary file beside it
  for (auto& e : fs::directory_iterator(dir)) others += e.path().filename() != "run.ckpt";
  REQUIRE(others == 0);
  fs::remove_all(dir);
}
