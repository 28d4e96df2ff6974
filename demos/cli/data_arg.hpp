// The --data option of the demos: which training and test sets to use.
//
//   mnist         the real MNIST digits `make data` put in the cache folder
//                 (core/data/mnist.hpp: FACEGRAD_DATA or ~/.cache/facegrad)
//   mnist:DIR     MNIST-style IDX files in DIR (train-images-idx3-ubyte[.gz], ...)
//   fashion       Fashion-MNIST from Debian's dataset-fashion-mnist (60,000 + 10,000)
//   digits        synthetic digits drawn from the seed (core/data/digits.hpp);
//   digits:N      with N training images (test: N / 6, at least 100)
//   folder:DIR    an image folder, one sub-directory per identity, split per
//                 identity into training and test images (every 5th image of
//                 an identity, in file order, is a test image)
#pragma once

#include <cstdint>
#include <string>

#include "core/data/dataset.hpp"

namespace fg {

struct DataSplit {
  Dataset train, test;
  std::string description;  // "Fashion-MNIST (60000 train, 10000 test)"
};

// The choices, for usage lines and errors.
extern const char* const kDataChoices;  // "mnist|mnist:DIR|fashion|digits[:N]|folder:DIR"

// Loads the data named by `spec`. An unknown spec is an fg::Error listing the
// choices; loading errors name the file. `seed` drives the synthetic digits.
DataSplit load_data(const std::string& spec, uint64_t seed);

}  // namespace fg
