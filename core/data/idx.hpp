// The IDX file format of MNIST and Fashion-MNIST, plain or gzip-compressed.
//
// Layout (all integers big-endian):
//   byte 0, 1   zero
//   byte 2      element type (0x08 = unsigned byte, the only type read here)
//   byte 3      number of dimensions d
//   byte 4..    d sizes of 4 bytes each
//   then        the product of the sizes, one byte per element, row-major
//
// A file is read as gzip when it starts with the gzip magic 1f 8b, whatever
// its name. Every problem (wrong magic, wrong type, a zero or absurd size,
// a payload shorter or longer than announced, corrupt compressed data) is an
// fg::Error naming the file, the byte offset and what was expected. Offsets
// in a compressed file count bytes of the decompressed stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"

namespace fg {

// Largest payload a reader accepts (bytes). A gzip file is further limited
// to what deflate can expand its size to, so a small corrupt file never
// leads to a large allocation.
constexpr int64_t kIdxMaxBytes = int64_t(1) << 30;

struct IdxArray {
  std::vector<int> dims;        // each > 0
  std::vector<uint8_t> data;    // product(dims) bytes
};

// Reads an unsigned-byte IDX file. `want_ndims` > 0 requires that many
// dimensions; `what` names the payload in messages ("pixels", "labels").
IdxArray read_idx(const std::string& path, int want_ndims = 0, const char* what = "data",
                  int64_t max_bytes = kIdxMaxBytes);

// The same, from bytes in memory (a fuzzing entry point); `name` is used in messages.
IdxArray parse_idx(const uint8_t* bytes, size_t n, const std::string& name, int want_ndims = 0,
                   const char* what = "data", int64_t max_bytes = kIdxMaxBytes);

// N x 1 x H x W images in [0, 1] (byte / 255) from a 3-dimensional IDX file.
Tensor load_idx_images(const std::string& path);
// N labels from a 1-dimensional IDX file.
std::vector<int> load_idx_labels(const std::string& path);

// MNIST-style directory: {train,t10k}-{images-idx3,labels-idx1}-ubyte, each
// optionally .gz (the variant with a dot before idx is also accepted).
// Checks that images and labels agree in number and that labels are < 10.
// Class names are "0".."9".
Dataset load_mnist_dir(const std::string& dir, bool train = true);

// Where Debian's dataset-fashion-mnist installs the four files.
extern const char* const kFashionMnistDir;
bool fashion_mnist_available(const std::string& dir = kFashionMnistDir);
// Fashion-MNIST with its ten class names (T-shirt/top ... Ankle boot).
Dataset load_fashion_mnist(bool train = true, const std::string& dir = kFashionMnistDir);
const std::vector<std::string>& fashion_mnist_class_names();

// Writes an unsigned-byte IDX file (gzip-compressed when `gzip`) to a
// temporary name beside `path`, then renames it into place.
void write_idx(const std::string& path, const std::vector<int>& dims,
               const std::vector<uint8_t>& data, bool gzip = false);
// Images N x C x H x W (C must be 1) or N x H x W, values in [0, 1] rounded to bytes.
void write_idx_images(const std::string& path, const Tensor& images, bool gzip = false);
void write_idx_labels(const std::string& path, const std::vector<int>& labels, bool gzip = false);

// Writes raw bytes (gzip-compressed when `gzip`) the same temp-then-rename
// way; tests use it to make broken files.
void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip = false);

}  // namespace fg
