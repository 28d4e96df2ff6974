// The real MNIST digits that `make data` (scripts/fetch_mnist.sh) unpacks
// into a cache folder outside the sources, and `--data mnist` reads.
//
//   mnist_cache_dir()     ${FACEGRAD_DATA}/mnist when FACEGRAD_DATA is set and
//                         not empty, else ${HOME}/.cache/facegrad/mnist (the
//                         script's rule, so both agree on one folder)
//   load_mnist_cache(t)   the training (t = true, 60,000 digits) or test
//                         (10,000) split from that folder
//
// Files missing from the folder are an fg::Error that names the folder and
// the missing files and says to run `make data`; a broken file is the IDX
// reader's error (the file, the byte offset and what was expected).
#pragma once

#include <string>
#include <vector>

#include "core/data/dataset.hpp"

namespace fg {

// The four file names the data step writes, training images first.
const std::vector<std::string>& mnist_file_names();

std::string mnist_cache_dir();

// The names of mnist_file_names() that are not regular files in `dir`.
std::vector<std::string> missing_mnist_files(const std::string& dir);

// Throws the "run `make data`" error when a file is missing, then reads the
// split with load_mnist_dir (class names "0".."9").
Dataset load_mnist_cache(bool train, const std::string& dir = mnist_cache_dir());

}  // namespace fg
