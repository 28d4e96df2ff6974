#include "core/data/mnist.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/data/idx.hpp"
#include "core/error.hpp"

namespace fg {

const std::vector<std::string>& mnist_file_names() {
  static const std::vector<std::string> names = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  return names;
}

std::string mnist_cache_dir() {
  const char* data = std::getenv("FACEGRAD_DATA");
  if (data && *data) return (std::filesystem::path(data) / "mnist").string();
  const char* home = std::getenv("HOME");
  if (!home || !*home)
    throw Error(
        "--data mnist: neither FACEGRAD_DATA nor HOME is set, so there is no folder to look for "
        "MNIST in: set FACEGRAD_DATA to a folder and run `make data`");
  return (std::filesystem::path(home) / ".cache" / "facegrad" / "mnist").string();
}

std::vector<std::string> missing_mnist_files(const std::string& dir) {
  std::vector<std::string> missing;
  for (const std::string& name : mnist_file_names()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / name, ec))
      missing.push_back(name);
  }
  return missing;
}

Dataset load_mnist_cache(bool train, const std::string& dir) {
  const std::vector<std::string> missing = missing_mnist_files(dir);
  if (!missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw Error("--data mnist: MNIST is not in " + dir + " (missing " + list +
                "): run `make data` to fetch it (once, about 11 MB); --data digits needs nothing");
  }
  Dataset d = load_mnist_dir(dir, train);
  d.name = std::string("MNIST ") + (train ? "train" : "test");
  return d;
}

}  // namespace fg
