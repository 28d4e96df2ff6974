#include "demos/cli/data_arg.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/data/digits.hpp"
#include "core/data/idx.hpp"
#include "core/data/image_folder.hpp"
#include "core/data/mnist.hpp"
#include "demos/cli/counted.hpp"

namespace fg {

const char* const kDataChoices = "mnist|mnist:DIR|fashion|digits[:N]|folder:DIR";

namespace {

std::string counts(const DataSplit& d) {
  return " (" + std::to_string(d.train.size()) + " train, " + std::to_string(d.test.size()) +
         " test, " + counted(d.train.num_classes(), "class", "classes") + ")";
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

DataSplit load_data(const std::string& spec, uint64_t seed) {
  DataSplit d;
  if (spec == "fashion") {
    if (!fashion_mnist_available())
      throw Error(
          std::string("--data fashion: Fashion-MNIST is not installed in ") + kFashionMnistDir +
          " (`make deps` installs Debian's dataset-fashion-mnist); --data digits needs nothing");
    d.train = load_fashion_mnist(true);
    d.test = load_fashion_mnist(false);
    d.description = "Fashion-MNIST" + counts(d);
  } else if (spec == "mnist") {
    const std::string dir = mnist_cache_dir();
    d.train = load_mnist_cache(true, dir);
    d.test = load_mnist_cache(false, dir);
    d.description = "MNIST" + counts(d);
  } else if (starts_with(spec, "mnist:")) {
    const std::string dir = spec.substr(6);
    if (dir.empty()) throw Error("--data mnist:DIR: the directory is missing after 'mnist:'");
    d.train = load_mnist_dir(dir, true);
    d.test = load_mnist_dir(dir, false);
    d.description = "MNIST from " + dir + counts(d);
  } else if (spec == "digits" || starts_with(spec, "digits:")) {
    int n = 12000;
    if (spec.size() > 7) {
      char* end = nullptr;
      const long v = std::strtol(spec.c_str() + 7, &end, 10);
      if (*end != '\0' || v < 10 || v > 1000000)
        throw Error("--data " + spec + ": expected digits:N with N a whole number in 10..1000000");
      n = static_cast<int>(v);
    }
    d.train = make_digits(n, derive_seed(seed, 1));
    d.test = make_digits(std::max(100, n / 6), derive_seed(seed, 2));
    d.train.name = "synthetic digits (train)";
    d.test.name = "synthetic digits (test)";
    d.description = "synthetic digits" + counts(d);
  } else if (starts_with(spec, "folder:")) {
    const std::string dir = spec.substr(7);
    if (dir.empty()) throw Error("--data folder:DIR: the directory is missing after 'folder:'");
    const Dataset all = load_image_folder(dir);
    std::vector<int> train_idx, test_idx;
    for (const auto& members : indices_by_class(all.labels, all.num_classes()))
      for (size_t k = 0; k < members.size(); ++k)
        (k % 5 == 4 ? test_idx : train_idx).push_back(members[k]);
    d.train = subset(all, train_idx);
    d.test = subset(all, test_idx);
    d.train.name = dir + " (train)";
    d.test.name = dir + " (test)";
    d.description = "image folder " + dir + counts(d);
  } else {
    throw Error("--data: '" + spec + "' is not one of " + kDataChoices);
  }
  return d;
}

}  // namespace fg
